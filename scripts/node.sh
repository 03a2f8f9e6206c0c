# Sourced by test.sh: makes sure Node.js and npm are there (from Debian's packages when missing)
# and installs the npm packages (openai, @anthropic-ai/sdk) the tests call the gateway with, at the
# version package-lock.json pins.

ensure_node_client() {
  if ! command -v npm >/dev/null 2>&1; then
    echo "node.sh: installing nodejs and npm"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
  fi
  npm ci --prefix tests/NodeClient --no-audit --no-fund --loglevel=error >/dev/null
}
