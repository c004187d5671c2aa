#!/usr/bin/env bash
# Installs what the browser tests and chart exports need from Debian's packages, when missing:
# Chromium (driven by Playwright), a CJK font (Chinese text in Chromium and in PNG charts) and
# npm (installs the pinned Supabase CLI that the deployment tests run).
set -euo pipefail
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v npm >/dev/null || need+=(nodejs npm)
fc-list 2>/dev/null | grep -qiE "Noto Sans CJK|Noto Serif CJK|WenQuanYi" || need+=(fonts-noto-cjk fontconfig)
[ ${#need[@]} -eq 0 ] && exit 0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "installing: ${need[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
