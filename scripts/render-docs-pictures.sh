#!/usr/bin/env bash
# Re-renders the README's pictures from the demo's own output (docs/*.png), and the link
# endpoint's pages from its handler serving sample reports (scripts/render-link-pages.ts);
# `render-docs-pictures.sh links` renders only those, `… emails` only the emails with a trend and
# a week's (scripts/render-email-samples.ts); chromium and imagemagick suffice for both.
# Needs Debian's chromium, libreoffice-calc-nogui, poppler-utils and imagemagick:
#   apt-get install -y --no-install-recommends chromium libreoffice-calc-nogui poppler-utils imagemagick
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The link endpoint's archive and 410 pages: 1,024 px (whole page) and 375 px (a phone's first
# screen) side by side.
[[ "${1:-}" == "emails" ]] || npx tsx scripts/render-link-pages.ts "$work"
side_by_side() { # name output
  convert "$work/$1-1024.png" -trim -bordercolor '#eef1f5' -border 12 "$work/$1-wide.png"
  convert "$work/$1-375.png" -trim -bordercolor '#eef1f5' -border 12 "$work/$1-phone.png"
  convert "$work/$1-wide.png" "$work/$1-phone.png" -background '#eef1f5' -gravity north +append "$2"
}
if [[ "${1:-}" != "emails" ]]; then
  side_by_side archive docs/archive-page.png
  side_by_side expired docs/link-expired.png
fi
[[ "${1:-}" == "links" ]] && { ls -l docs/archive-page.png docs/link-expired.png; exit 0; }

# The day's email with its last 14 days, and a week's email: 1,024 px and 375 px, whole emails.
npx tsx scripts/render-email-samples.ts "$work"
for name in email-trend email-period; do
  for width in 1024 375; do
    chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
      --disable-background-networking --disable-component-update --disable-sync \
      --user-data-dir="$work/chromium-$width" --hide-scrollbars --window-size="$width,3000" \
      --screenshot="$work/$name-$width.png" "file://$work/$name.html" 2>/dev/null
  done
  side_by_side "$name" "docs/$name.png"
done
[[ "${1:-}" == "emails" ]] && { ls -l docs/email-trend.png docs/email-period.png; exit 0; }

npm run --silent demo -- --out "$work/reports" >/dev/null
html="$work/reports/email-2025-08-04.html"
xlsx="$work/reports/calls-report-2025-08-04.xlsx"

shot() { # width output
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$work/chromium-$1" --hide-scrollbars --window-size="$1,2600" \
    --screenshot="$work/raw-$1.png" "file://$html" 2>/dev/null
  # Drop the empty page below the email, keep a margin.
  convert "$work/raw-$1.png" -trim -bordercolor '#eef1f5' -border 12 "$2"
}
shot 760 docs/email-desktop.png
shot 375 docs/email-mobile.png

soffice --headless --convert-to pdf --outdir "$work" "$xlsx" >/dev/null 2>&1
pdf="$work/calls-report-2025-08-04.pdf"
pdftoppm -r 80 -png -f 1 -l 1 "$pdf" "$work/summary"
convert "$work"/summary-*.png -trim -bordercolor white -border 16 docs/workbook-summary.png
# The first page of the Calls sheet: the page where its header row appears.
calls_page=$(pdftotext "$pdf" - | awk '/\f/{p++} /Call ID/ && !found {print p+1; found=1}')
pdftoppm -r 80 -png -f "$calls_page" -l "$calls_page" "$pdf" "$work/calls"
convert "$work"/calls-*.png -trim -bordercolor white -border 16 docs/workbook-calls.png
ls -l docs/*.png
