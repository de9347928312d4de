//go:build tools

// Pins the kube-apiserver command as a dependency of this module so `go build` can build it.
package kube

import _ "k8s.io/kubernetes/cmd/kube-apiserver"
