{{/* Names. */}}
{{- define "darkbloom.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "darkbloom.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "darkbloom.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels every object carries; pass a dict with "root" and "component". */}}
{{- define "darkbloom.labels" -}}
helm.sh/chart: {{ include "darkbloom.chart" .root }}
app.kubernetes.io/part-of: darkbloom
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
{{ include "darkbloom.selectorLabels" . }}
{{- end -}}

{{- define "darkbloom.selectorLabels" -}}
app.kubernetes.io/name: {{ include "darkbloom.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "darkbloom.operator.fullname" -}}
{{- printf "%s-operator" (include "darkbloom.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "darkbloom.operator.serviceAccountName" -}}
{{- if .Values.operator.serviceAccount.create -}}
{{- default (include "darkbloom.operator.fullname" .) .Values.operator.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.operator.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "darkbloom.coordinator.name" -}}
{{- default (include "darkbloom.fullname" .) .Values.coordinator.name | trunc 52 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels the operator puts on the Coordinator's pods (NetworkPolicy selectors). */}}
{{- define "darkbloom.coordinator.podSelector" -}}
{{- range $k, $v := .Values.coordinator.podLabels }}
{{ $k }}: {{ $v | quote }}
{{- end }}
app.kubernetes.io/instance: {{ include "darkbloom.coordinator.name" . | quote }}
{{- end -}}

{{- define "darkbloom.console.fullname" -}}
{{- printf "%s-console" (include "darkbloom.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "darkbloom.postgresql.fullname" -}}
{{- printf "%s-postgresql" (include "darkbloom.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}


{{/* The Secret holding the generated coordinator secrets. */}}
{{- define "darkbloom.secrets.name" -}}
{{- printf "%s-secrets" (include "darkbloom.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The Secret and key holding DATABASE_URL: the bundled Postgres's or the external one. */}}
{{- define "darkbloom.database.secretName" -}}
{{- if .Values.postgresql.enabled -}}
{{- include "darkbloom.postgresql.fullname" . -}}
{{- else -}}
{{- required "database.external.secretName is required when postgresql.enabled is false" .Values.database.external.secretName -}}
{{- end -}}
{{- end -}}

{{- define "darkbloom.database.secretKey" -}}
{{- if .Values.postgresql.enabled -}}url{{- else -}}{{ .Values.database.external.key }}{{- end -}}
{{- end -}}

{{/* Secret reference {name, key} for one of the coordinator secrets; arg: dict root, item. */}}
{{- define "darkbloom.secretRef" -}}
{{- $cfg := index .root.Values.secrets .item -}}
name: {{ default (include "darkbloom.secrets.name" .root) $cfg.existingSecret }}
key: {{ $cfg.key }}
{{- end -}}

{{- define "darkbloom.image" -}}
{{- printf "%s:%s" .image.repository (default .root.Chart.AppVersion .image.tag) -}}
{{- end -}}

{{/* Pod and container security contexts shared by every pod the chart creates. */}}
{{- define "darkbloom.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .uid }}
runAsGroup: {{ .uid }}
fsGroup: {{ .uid }}
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "darkbloom.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
privileged: false
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* A setting as the string the coordinator reads: whole numbers without exponent (YAML numbers
arrive as float64, and 21600000 would print as 2.16e+07). */}}
{{- define "darkbloom.settingValue" -}}
{{- if and (kindIs "float64" .) (eq . (float64 (int64 .))) -}}
{{- int64 . | toString -}}
{{- else -}}
{{- toString . -}}
{{- end -}}
{{- end -}}
