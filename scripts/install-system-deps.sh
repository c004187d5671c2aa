#!/usr/bin/env bash
# Installs what Gongzhi needs from Debian's packages, when missing. With no argument, what the test
# suite needs: Chromium (driven by Playwright), a CJK font (Chinese text in Chromium and in PNG
# charts), npm (installs the pinned Supabase CLI that the deployment tests run), HAProxy (the
# replica tests), and rsync with libpq-dev and gcc (Barman copies with rsync; its psycopg2 builds
# from source; the point-in-time recovery tests). With `proxy`, only HAProxy (`make run-replicas`).
set -euo pipefail
need=()
if [ "${1:-}" != "proxy" ]; then
  [ -x /usr/bin/chromium ] || need+=(chromium)
  command -v npm >/dev/null || need+=(nodejs npm)
  fc-list 2>/dev/null | grep -qiE "Noto Sans CJK|Noto Serif CJK|WenQuanYi" || need+=(fonts-noto-cjk fontconfig)
  command -v rsync >/dev/null || need+=(rsync)
  command -v pg_config >/dev/null || need+=(libpq-dev)
  command -v gcc >/dev/null || need+=(gcc)
fi
command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || need+=(haproxy)
[ ${#need[@]} -eq 0 ] && exit 0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "installing: ${need[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
