#!/usr/bin/env bash
# Installs Debian's chromium and postgresql when missing, if we may.
# Without them the browser and PostgreSQL tests are skipped locally and fail in CI.
set -euo pipefail

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif [ "${CI:-}" = "true" ] && sudo -n true 2>/dev/null; then
  sudo=(sudo -n)
else
  echo "Paquets manquants : ${missing[*]}. Installez-les (sudo apt-get install ${missing[*]})," >&2
  echo "sinon les tests du navigateur et de PostgreSQL seront ignorés." >&2
  exit 0
fi
echo "Installation des paquets Debian : ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
