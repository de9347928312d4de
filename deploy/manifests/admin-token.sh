#!/usr/bin/env sh
# The TME admin token of the plain manifest bundle (the Helm chart generates its own): a random token in
# the Secret the injected TME reads TME_ADMIN_TOKEN from, in the gateway's namespace. An existing one is kept.
#   sh deploy/manifests/admin-token.sh [NAMESPACE]   (default istio-system; needs openssl, kubectl)
set -eu
NS="${1:-istio-system}"
SECRET=gatewarden-tme-admin
if kubectl -n "$NS" get secret "$SECRET" >/dev/null 2>&1; then
  echo "admin token Secret $SECRET already in $NS (kept)"
  exit 0
fi
kubectl -n "$NS" create secret generic "$SECRET" --from-literal=adminToken="$(openssl rand -hex 24)"
echo "admin token in Secret $SECRET ($NS): kubectl -n $NS get secret $SECRET -o jsonpath='{.data.adminToken}' | base64 -d"
