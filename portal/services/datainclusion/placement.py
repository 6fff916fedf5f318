"""Which sector an imported structure belongs to, from what the team already knows."""

import re

from portal.services.datainclusion.records import normalise
from portal.store.models import Place, Sector


class Placement:
    """A structure goes to the sector it names (« secteurs »), else to the one
    sector whose places share its commune or postcode, or whose areas name its
    commune. Several sectors or none: left for the team to place."""

    def __init__(self):
        self.sectors = list(Sector.select())
        self.by_name = {}
        for sector in self.sectors:
            self.by_name[sector.slug] = self.by_name[normalise(sector.name)] = sector
        self.by_commune, self.by_postcode = {}, {}
        for place in Place.select().where(Place.sector.is_null(False)):
            if place.commune:
                self.by_commune.setdefault(normalise(place.commune), set()).add(place.sector_id)
            if place.postcode:
                self.by_postcode.setdefault(place.postcode, set()).add(place.sector_id)
        for sector in self.sectors:
            for area in re.split(r"[,;\n]| et ", sector.areas or ""):
                if normalise(area):
                    self.by_commune.setdefault(normalise(area), set()).add(sector.id)

    def sectors_for(self, parsed):
        named = [self.by_name.get(name) or self.by_name.get(normalise(name)) for name in parsed.sectors]
        named = [sector for sector in named if sector]
        if named:
            return list(dict.fromkeys(named))
        commune = normalise(parsed.fields["commune"])
        candidates = self.by_commune.get(commune) or self.by_postcode.get(parsed.fields["postcode"]) or set()
        if len(candidates) == 1:
            (sector_id,) = candidates
            return [next(sector for sector in self.sectors if sector.id == sector_id)]
        return []
