# Sourced by test.sh: makes sure Debian's headless Chromium and its ChromeDriver are there
# (/usr/bin/chromium, /usr/bin/chromedriver), which the dashboard's browser test drives through
# Selenium. Nothing is downloaded by the test itself.

ensure_chromium() {
  local missing=()
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  [ -x /usr/bin/chromedriver ] || missing+=(chromium-driver)
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "chromium.sh: installing ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}
