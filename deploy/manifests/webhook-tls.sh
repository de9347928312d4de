#!/usr/bin/env sh
# TLS for the injection webhook of the plain manifest bundle (the Helm chart generates its own): makes a
# CA and a serving certificate for the webhook's Service with openssl, stores them in the Secret the
# webhook mounts, and sets the CA as the MutatingWebhookConfiguration's caBundle.
#   sh deploy/manifests/webhook-tls.sh [NAMESPACE]   (default gatewarden-system; needs openssl, kubectl)
set -eu
NS="${1:-gatewarden-system}"
NAME=gatewarden-tme-injector
SECRET=gatewarden-webhook-tls
DIR="$(mktemp -d)"
trap 'rm -rf "$DIR"' EXIT

openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=${NAME}-ca" \
  -keyout "$DIR/ca.key" -out "$DIR/ca.crt" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=${NAME}.${NS}.svc" \
  -keyout "$DIR/tls.key" -out "$DIR/tls.csr" 2>/dev/null
printf 'subjectAltName=DNS:%s.%s.svc,DNS:%s.%s.svc.cluster.local\nextendedKeyUsage=serverAuth\n' \
  "$NAME" "$NS" "$NAME" "$NS" > "$DIR/ext.cnf"
openssl x509 -req -in "$DIR/tls.csr" -CA "$DIR/ca.crt" -CAkey "$DIR/ca.key" -CAcreateserial -days 3650 \
  -extfile "$DIR/ext.cnf" -out "$DIR/tls.crt" 2>/dev/null

kubectl -n "$NS" create secret generic "$SECRET" --type kubernetes.io/tls \
  --from-file=tls.crt="$DIR/tls.crt" --from-file=tls.key="$DIR/tls.key" --from-file=ca.crt="$DIR/ca.crt" \
  --dry-run=client -o yaml | kubectl apply -f -
CA_BUNDLE="$(base64 < "$DIR/ca.crt" | tr -d '\n')"
kubectl patch mutatingwebhookconfiguration "$NAME" --type json \
  -p "[{\"op\":\"add\",\"path\":\"/webhooks/0/clientConfig/caBundle\",\"value\":\"${CA_BUNDLE}\"}]"
kubectl -n "$NS" rollout restart deployment "$NAME"
echo "webhook TLS installed in $NS"
