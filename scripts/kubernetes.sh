# Sourced by test.sh: makes sure kubectl is there (from the apt sources when missing) for
# `kubectl kustomize`, and installs the npm packages of the schema validator (tests/KubernetesValidator:
# the Kubernetes and KEDA schemas) at the versions package-lock.json pins. Needs Node.js (node.sh).

ensure_kubernetes_tools() {
  if ! command -v kubectl >/dev/null 2>&1; then
    echo "kubernetes.sh: installing kubectl"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq kubectl >/dev/null
  fi
  npm ci --prefix tests/KubernetesValidator --no-audit --no-fund --loglevel=error >/dev/null
}
