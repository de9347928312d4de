{{/*
Maps the commercial agent chart's keys onto this chart's and applies the defaults Helm cannot (a map
default would be merged with the user's map, not replaced). It rewrites .Values in place, idempotently,
so every template includes it first and then reads only this chart's own keys.
*/}}
{{- define "gatewarden.normalize" -}}
{{- $v := .Values -}}
{{- if kindIs "slice" $v.workloadSelectors -}}
{{- $labels := dict -}}
{{- range $v.workloadSelectors -}}
{{- $kv := regexSplit ":" . 2 -}}
{{- $_ := set $labels (trim (first $kv)) (trim (last $kv)) -}}
{{- end -}}
{{- $_ := set $v "workloadSelectors" $labels -}}
{{- end -}}
{{- if not $v.workloadSelectors -}}
{{- $_ := set $v "workloadSelectors" (dict "istio" "ingressgateway") -}}
{{- end -}}
{{- if not $v.webhook.namespaceSelectors -}}
{{- $_ := set $v.webhook "namespaceSelectors" (dict "gatewarden-inject-tme" "enabled") -}}
{{- end -}}
{{- if not $v.filterNamespace -}}
{{- $_ := set $v "filterNamespace" .Release.Namespace -}}
{{- end -}}
{{- if hasKey $v "moduleExtensionGRPCPort" -}}
{{- $_ := set $v.moduleExtension "grpcPort" $v.moduleExtensionGRPCPort -}}
{{- end -}}
{{- if hasKey $v "moduleExtensionIPAddress" -}}
{{- $_ := set $v.moduleExtension "ipAddress" $v.moduleExtensionIPAddress -}}
{{- end -}}
{{- range $key := list "requestHandleTimeout" "responseHandleTimeout" -}}
{{- if not (kindIs "string" (index $v $key)) -}}
{{- $_ := set $v $key (printf "%dms" (index $v $key | int64)) -}}
{{- end -}}
{{- end -}}
{{- /* --set hands a rate over as a string ("0.5"); the schema checked its form. */ -}}
{{- $_ := set $v "captureSampleRate" ($v.captureSampleRate | float64) -}}
{{- if hasKey $v "requestTimeout" -}}
{{- $_ := set $v.extProc "messageTimeout" $v.requestTimeout -}}
{{- end -}}
{{- range $mode := list "requestHeader" "responseHeader" "requestBody" "responseBody" "requestTrailer" "responseTrailer" -}}
{{- with index $v.extProc (printf "%sProcessingMode" $mode) -}}
{{- $_ := set $v.extProc (printf "%sMode" $mode) . -}}
{{- end -}}
{{- end -}}
{{- with $v.injector -}}
{{- with .blockingConfig -}}
{{- range $key := list "blockingStatusCode" "blockingMessage" -}}
{{- if hasKey $.Values.injector.blockingConfig $key -}}
{{- $_ := set $.Values $key (index $.Values.injector.blockingConfig $key) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Labels on every object this chart creates. */}}
{{- define "gatewarden.labels" -}}
app.kubernetes.io/name: gatewarden
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* "50ms" | "0.2s" | "1m" -> a protobuf JSON duration ("0.050s"), as Envoy's config wants it. */}}
{{- define "gatewarden.protoDuration" -}}
{{- $d := toString . -}}
{{- if hasSuffix "ms" $d -}}
{{- printf "%.3fs" (divf (trimSuffix "ms" $d | float64) 1000) -}}
{{- else if hasSuffix "s" $d -}}
{{- printf "%.3fs" (trimSuffix "s" $d | float64) -}}
{{- else if hasSuffix "m" $d -}}
{{- printf "%.3fs" (mulf (trimSuffix "m" $d | float64) 60) -}}
{{- else -}}
{{- fail (printf "not a duration: %q (expected e.g. 50ms, 0.2s, 1m)" $d) -}}
{{- end -}}
{{- end -}}

{{/* Envoy cluster that reaches the TME's HTTP port; the filter's `tmeCluster` must name it. */}}
{{- define "gatewarden.tmeCluster" -}}
{{- printf "%s_tme" (.Values.filterName | replace "-" "_") -}}
{{- end -}}

{{/* Envoy cluster that reaches the TME's gRPC port (ext_proc mode). */}}
{{- define "gatewarden.tmeGrpcCluster" -}}
{{- printf "%s_tme_grpc" (.Values.filterName | replace "-" "_") -}}
{{- end -}}

{{/* Name of the TME ConfigMap (and of the Secret of its tokens) in each gateway namespace. */}}
{{- define "gatewarden.tmeConfigName" -}}
{{- printf "%s-tme" .Values.filterName -}}
{{- end -}}

{{/* Namespaces whose gateways get the TME: tme.namespaces, or filterNamespace. JSON list. */}}
{{- define "gatewarden.tmeNamespaces" -}}
{{- if .Values.tme.namespaces -}}
{{- .Values.tme.namespaces | uniq | toJson -}}
{{- else -}}
{{- list .Values.filterNamespace | toJson -}}
{{- end -}}
{{- end -}}

{{/*
The filter's JSON configuration (Istio passes it as the plugin's configuration string). Keys are the
ones filter/assembly/config.ts reads; add new filter options here, in one place.
*/}}
{{- define "gatewarden.pluginConfig" -}}
{{- $v := .Values -}}
{{- $report := dict
  "path" $v.wasm.report.path
  "maxBatchRecords" $v.wasm.report.maxBatchRecords
  "maxBatchBytes" $v.wasm.report.maxBatchBytes
  "flushInterval" $v.wasm.report.flushInterval
  "timeout" $v.wasm.report.timeout
  "maxPendingBatches" $v.wasm.report.maxPendingBatches
  "sampleRate" $v.captureSampleRate -}}
{{- $config := dict
  "serviceName" $v.serviceName
  "bodyCaptureSize" $v.bodyCaptureSize
  "allowedContentTypes" $v.allowedContentTypes
  "allowFailureMode" $v.allowFailureMode
  "tmeCluster" (include "gatewarden.tmeCluster" .)
  "connectTimeout" $v.connectTimeout
  "requestHandleTimeout" $v.requestHandleTimeout
  "responseHandleTimeout" $v.responseHandleTimeout
  "blockingStatusCode" $v.blockingStatusCode
  "blockingMessage" $v.blockingMessage
  "report" $report -}}
{{- with $v.agentToken -}}
{{- $_ := set $config "agentToken" . -}}
{{- $_ := set $config "agentTokenHeader" $v.agentTokenHeader -}}
{{- end -}}
{{- mergeOverwrite $config (deepCopy $v.wasm.extraPluginConfig) | toYaml -}}
{{- end -}}

{{/* What the webhook injects: read by host/webhook (its injection config file). */}}
{{- define "gatewarden.injectionConfig" -}}
{{- $v := .Values -}}
{{- dict
  "containerName" "gatewarden-tme"
  "image" (printf "%s:%s" $v.tme.image.repository $v.tme.image.tag)
  "imagePullPolicy" $v.tme.image.pullPolicy
  "configMapName" (include "gatewarden.tmeConfigName" .)
  "secretName" (include "gatewarden.tmeConfigName" .)
  "adminSecretName" ($v.adminTokenSecret | default (include "gatewarden.tmeConfigName" .))
  "host" $v.moduleExtension.ipAddress
  "httpPort" $v.moduleExtensionHTTPPort
  "grpcPort" $v.moduleExtension.grpcPort
  "spoolDir" $v.tme.spoolDir
  "resources" $v.tme.resources
  | toPrettyJson -}}
{{- end -}}
