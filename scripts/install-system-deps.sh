#!/usr/bin/env bash
# Debian packages the tests need: Chromium for browser tests, Tesseract (French) for OCR,
# poppler-utils for PDF page checks, Swift + memcached for the S3 contract run, LibreOffice Writer
# (headless) to check that generated DOCX files open and convert.
set -euo pipefail
packages=(chromium tesseract-ocr tesseract-ocr-fra poppler-utils fonts-dejavu-core memcached libreoffice-writer-nogui
          swift-proxy swift-account swift-container swift-object)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "Installation des paquets Debian manquants : ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "Ces paquets demandent les droits root : sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
