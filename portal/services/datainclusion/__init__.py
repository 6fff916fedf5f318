"""The directory in and out in the data·inclusion v1 schema (Flask-free).

data·inclusion is the exchange format of the French social-inclusion field
(DORA, les emplois de l'inclusion, Soliguide…): importing its open data or a
team's spreadsheet lets a team start with the directory it already has, and
exporting lets its own directory flow back to the national one.

- cleaning: field cleaners, which the portal's forms use too;
- vocab: the official codes (from data-inclusion-schema) and Relais' own;
- opening_hours_osm: permanences as OpenStreetMap opening_hours, and back;
- export: structures and services that validate against the v1 models;
- records: reading files (JSON, CSV, XLSX, ODS) into records;
- ingest: checking records and writing partners.
"""
