#!/usr/bin/env bash
# Rebuilds the binary samples from source/ with real tools (Debian packages):
#   libreoffice-writer-nogui (HTML -> PDF and DOCX), qpdf (encryption).
# The committed samples were made with this script; tests only read them.
set -euo pipefail
cd "$(dirname "$0")"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
lo() { libreoffice --headless -env:UserInstallation=file://"$out"/profile --infilter="HTML (StarWriter)" "$@"; }

lo --convert-to pdf:writer_pdf_Export --outdir "$out" source/travel-policy.html
lo --convert-to 'docx:MS Word 2007 XML' --outdir "$out" source/remote-work.html
cp "$out"/travel-policy.pdf travel-policy.pdf
cp "$out"/remote-work.docx remote-work.docx

# Encrypted: AES-256 with a user password, so no text can be read without it.
qpdf --encrypt secret-user secret-owner 256 -- travel-policy.pdf encrypted.pdf
# Corrupt: the first 40 % of a real PDF (the header survives; the xref table and trailer do not).
head -c $(( $(stat -c %s travel-policy.pdf) * 40 / 100 )) travel-policy.pdf > corrupt.pdf
