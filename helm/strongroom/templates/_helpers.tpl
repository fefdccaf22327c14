{{/*
Chart name.
*/}}
{{- define "strongroom.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Fully qualified release name.
*/}}
{{- define "strongroom.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "strongroom.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Common labels. Argument: the root context.
*/}}
{{- define "strongroom.labels" -}}
helm.sh/chart: {{ include "strongroom.chart" . }}
{{ include "strongroom.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: strongroom
{{- end }}

{{- define "strongroom.selectorLabels" -}}
app.kubernetes.io/name: {{ include "strongroom.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
Name of a service's Deployment and Service, e.g. <release>-strongroom-identity.
Argument: (dict "root" $ "name" "<service>").
*/}}
{{- define "strongroom.componentName" -}}
{{- printf "%s-%s" (include "strongroom.fullname" .root) .name | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
In-cluster gRPC URL of a service (mutual TLS; the client checks the certificate's name,
the service's own name, not the host). Argument: (dict "root" $ "name" "<service>").
*/}}
{{- define "strongroom.grpcUrl" -}}
{{- $svc := index .root.Values.services .name -}}
{{- printf "https://%s:%v" (include "strongroom.componentName" .) $svc.grpcPort }}
{{- end }}

{{/*
Name of a service's TLS Secret (keys ca.crt, tls.crt, tls.key), e.g. <release>-strongroom-tls-vault.
Argument: (dict "root" $ "name" "<service>").
*/}}
{{- define "strongroom.tlsSecretName" -}}
{{- printf "%s-tls-%s" (include "strongroom.fullname" .root) .name | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Name of a service's credentials Secret (its passwords, see values.yaml), e.g.
<release>-strongroom-credentials-vault. Argument: (dict "root" $ "name" "<service>").
*/}}
{{- define "strongroom.credentialsSecretName" -}}
{{- printf "%s-credentials-%s" (include "strongroom.fullname" .root) .name | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Image of a service: services.<name>.image, else <image.repository>-<name>:<tag>.
Argument: (dict "root" $ "name" "<service>").
*/}}
{{- define "strongroom.image" -}}
{{- $svc := index .root.Values.services .name -}}
{{- if $svc.image -}}
{{- $svc.image -}}
{{- else -}}
{{- printf "%s-%s:%s" .root.Values.image.repository .name (toString (default .root.Chart.AppVersion .root.Values.image.tag)) -}}
{{- end -}}
{{- end }}

{{/*
Database URL of a service: its own role and database, no password (that is read from
STRONGROOM_DATABASE_PASSWORD_FILE). Argument: (dict "root" $ "name" "<service>").
*/}}
{{- define "strongroom.databaseUrl" -}}
{{- $pg := .root.Values.postgres -}}
{{- $db := required (printf "postgres.databases.%s is required" .name) (index $pg.databases .name) -}}
{{- $role := required (printf "postgres.roles.%s is required" .name) (index $pg.roles .name) -}}
{{- printf "postgres://%s@%s:%v/%s" $role $pg.host $pg.port $db -}}
{{- with $pg.options }}?{{ . }}{{ end -}}
{{- end }}

{{/*
Keys of a service's credentials Secret its pods mount at /secrets, space-separated.
Argument: (dict "root" $ "name" "<service>").
*/}}
{{- define "strongroom.credentialKeys" -}}
{{- $keys := list -}}
{{- if ne .name "gateway" -}}
{{- $keys = append $keys "postgres-password" -}}
{{- $keys = append $keys "nats-password" -}}
{{- end -}}
{{- if eq .name "audit" -}}
{{- $keys = append $keys "postgres-owner-password" -}}
{{- end -}}
{{- if eq .name "identity" -}}
{{- $keys = append $keys "admin-password" -}}
{{- end -}}
{{- if and (eq .name "vault") (eq .root.Values.kms.backend "transit") -}}
{{- $keys = append $keys "kms-transit-token" -}}
{{- end -}}
{{- if .root.Values.redis.auth -}}
{{- $keys = append $keys "redis-password" -}}
{{- end -}}
{{- join " " $keys -}}
{{- end }}

{{/*
Container environment of a service (same variables as docker-compose.yml). Passwords and
tokens are files under /secrets (STRONGROOM_*_FILE), never env values.
Argument: (dict "root" $ "name" "<service>").
*/}}
{{- define "strongroom.env" -}}
{{- $root := .root -}}
{{- $name := .name -}}
{{- $svc := index $root.Values.services $name -}}
{{- $redis := $root.Values.redis -}}
{{- if eq $name "gateway" }}
- name: STRONGROOM_HTTP_ADDR
  value: {{ printf "0.0.0.0:%v" $svc.httpPort | quote }}
{{- with $svc.trustedProxies }}
- name: STRONGROOM_TRUSTED_PROXIES
  value: {{ . | quote }}
{{- end }}
{{- else }}
- name: STRONGROOM_DATABASE_URL
  value: {{ include "strongroom.databaseUrl" . | quote }}
- name: STRONGROOM_DATABASE_PASSWORD_FILE
  value: /secrets/postgres-password
- name: STRONGROOM_GRPC_ADDR
  value: {{ printf "0.0.0.0:%v" $svc.grpcPort | quote }}
- name: STRONGROOM_OPS_ADDR
  value: {{ printf "0.0.0.0:%v" $svc.opsPort | quote }}
- name: STRONGROOM_NATS_URL
  value: {{ $root.Values.nats.url | quote }}
- name: STRONGROOM_NATS_USER
  value: {{ $name | quote }}
- name: STRONGROOM_NATS_PASSWORD_FILE
  value: /secrets/nats-password
- name: STRONGROOM_EVENT_STREAM_MAX_AGE_SECS
  value: {{ $root.Values.nats.stream.maxAgeSecs | int64 | quote }}
- name: STRONGROOM_EVENT_STREAM_MAX_BYTES
  value: {{ $root.Values.nats.stream.maxBytes | int64 | quote }}
{{- end }}
- name: STRONGROOM_REDIS_URL
  value: {{ $redis.url | quote }}
{{- with $redis.user }}
- name: STRONGROOM_REDIS_USER
  value: {{ printf "%s-%s" . $name | quote }}
{{- end }}
{{- if $redis.auth }}
- name: STRONGROOM_REDIS_PASSWORD_FILE
  value: /secrets/redis-password
{{- end }}
- name: STRONGROOM_EVENT_PREFIX
  value: {{ $root.Values.eventPrefix | quote }}
- name: STRONGROOM_IDENTITY_URL
  value: {{ include "strongroom.grpcUrl" (dict "root" $root "name" "identity") | quote }}
- name: STRONGROOM_TENANT_URL
  value: {{ include "strongroom.grpcUrl" (dict "root" $root "name" "tenant") | quote }}
- name: STRONGROOM_VAULT_URL
  value: {{ include "strongroom.grpcUrl" (dict "root" $root "name" "vault") | quote }}
- name: STRONGROOM_ACCESS_URL
  value: {{ include "strongroom.grpcUrl" (dict "root" $root "name" "access") | quote }}
- name: STRONGROOM_ROTATION_URL
  value: {{ include "strongroom.grpcUrl" (dict "root" $root "name" "rotation") | quote }}
- name: STRONGROOM_AUDIT_URL
  value: {{ include "strongroom.grpcUrl" (dict "root" $root "name" "audit") | quote }}
- name: STRONGROOM_JWT_PUBLIC_KEY_FILE
  value: /keys/jwt-public.pem
- name: STRONGROOM_TLS_CA_FILE
  value: /tls/ca.crt
- name: STRONGROOM_TLS_CERT_FILE
  value: /tls/tls.crt
- name: STRONGROOM_TLS_KEY_FILE
  value: /tls/tls.key
- name: RUST_LOG
  value: {{ $root.Values.logLevel | quote }}
{{- with $root.Values.otlpEndpoint }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ . | quote }}
- name: OTEL_SERVICE_NAME
  value: {{ printf "strongroom-%s" $name | quote }}
{{- end }}
{{- if eq $name "identity" }}
- name: STRONGROOM_JWT_PRIVATE_KEY_FILE
  value: /tls/jwt-private.pem
- name: STRONGROOM_SETTINGS_KEY_FILE
  value: /keys/identity-settings.key
- name: STRONGROOM_ADMIN_PASSWORD_FILE
  value: /secrets/admin-password
{{- end }}
{{- if eq $name "tenant" }}
- name: STRONGROOM_SETTINGS_KEY_FILE
  value: /keys/tenant-settings.key
{{- end }}
{{- if eq $name "audit" }}
{{- /* Migrations run as the role owning the audit database; the runtime role may only read and append the trail. */}}
- name: STRONGROOM_MIGRATION_DATABASE_USER
  value: {{ required "postgres.auditOwnerRole is required" $root.Values.postgres.auditOwnerRole | quote }}
- name: STRONGROOM_MIGRATION_DATABASE_PASSWORD_FILE
  value: /secrets/postgres-owner-password
{{- end }}
{{- if eq $name "vault" }}
{{- $kms := $root.Values.kms }}
{{- if not (has $kms.backend (list "transit" "local")) }}
{{- fail (printf "kms.backend must be transit or local, got %q" (toString $kms.backend)) }}
{{- end }}
- name: STRONGROOM_KMS
  value: {{ $kms.backend | quote }}
{{- if eq $kms.backend "transit" }}
- name: STRONGROOM_KMS_TRANSIT_ADDR
  value: {{ $kms.transit.addr | quote }}
- name: STRONGROOM_KMS_TRANSIT_TOKEN_FILE
  value: /secrets/kms-transit-token
- name: STRONGROOM_KMS_TRANSIT_MOUNT
  value: {{ $kms.transit.mount | quote }}
{{- end }}
{{- end }}
{{- with $svc.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
Deployment + Service of one Strongroom service.
Argument: (dict "root" $ "name" "<service>").
The gateway serves HTTP (incl. /healthz, /readyz) on httpPort; every other
service serves gRPC (mutual TLS) on grpcPort and /healthz, /readyz, /metrics on opsPort.
Files each pod gets: /tls (its certificate, from the Secret <fullname>-tls-<service>),
/keys (JWT public key; identity also the private key and its settings key, tenant its
settings key), /secrets (its own passwords, from <fullname>-credentials-<service>).
*/}}
{{- define "strongroom.component" -}}
{{- $ctx := . -}}
{{- $root := .root -}}
{{- $name := .name -}}
{{- $svc := index $root.Values.services $name -}}
{{- if not $svc }}
{{- fail (printf "services.%s is missing from values" $name) }}
{{- end }}
{{- $fullname := include "strongroom.componentName" . -}}
{{- $isGateway := eq $name "gateway" -}}
{{- $probePort := ternary "http" "ops" $isGateway -}}
{{- $podAnnotations := merge (dict) ($svc.podAnnotations | default (dict)) ($root.Values.podAnnotations | default (dict)) -}}
{{- $credentialKeys := include "strongroom.credentialKeys" . | splitList " " | compact -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $fullname }}
  labels:
    {{- include "strongroom.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ $name }}
spec:
  replicas: {{ $svc.replicas }}
  selector:
    matchLabels:
      {{- include "strongroom.selectorLabels" $root | nindent 6 }}
      app.kubernetes.io/component: {{ $name }}
  template:
    metadata:
      labels:
        {{- include "strongroom.selectorLabels" $root | nindent 8 }}
        app.kubernetes.io/component: {{ $name }}
      {{- with $podAnnotations }}
      annotations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
    spec:
      # No <SERVICE>_PORT style variables: they would land in the STRONGROOM_ namespace.
      enableServiceLinks: false
      automountServiceAccountToken: false
      {{- with $root.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      securityContext:
        {{- toYaml $root.Values.podSecurityContext | nindent 8 }}
      initContainers:
        # Secret volume files are root-owned, and with fsGroup kubelet makes them
        # group-readable whatever defaultMode says; a service refuses a TLS key (and
        # identity the token signing key) its group may read. So those files are copied
        # into a memory-backed emptyDir owned by the service's user, the keys 0600.
        - name: tls-files
          image: {{ include "strongroom.image" . | quote }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          securityContext:
            {{- toYaml $root.Values.securityContext | nindent 12 }}
          command:
            - /bin/sh
            - -ec
            - |
              install -m 0644 /tls-secret/ca.crt /tls-secret/tls.crt /tls/
              install -m 0600 /tls-secret/tls.key /tls/tls.key
              {{- if eq $name "identity" }}
              install -m 0600 /jwt-secret/jwt-private.pem /tls/jwt-private.pem
              {{- end }}
          {{- with $svc.resources }}
          resources:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          volumeMounts:
            - name: tls-secret
              mountPath: /tls-secret
              readOnly: true
            {{- if eq $name "identity" }}
            - name: jwt
              mountPath: /jwt-secret
              readOnly: true
            {{- end }}
            - name: tls
              mountPath: /tls
      containers:
        - name: {{ $name }}
          image: {{ include "strongroom.image" . | quote }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          securityContext:
            {{- toYaml $root.Values.securityContext | nindent 12 }}
          ports:
            {{- if $isGateway }}
            - name: http
              containerPort: {{ $svc.httpPort }}
              protocol: TCP
            {{- else }}
            - name: grpc
              containerPort: {{ $svc.grpcPort }}
              protocol: TCP
            - name: ops
              containerPort: {{ $svc.opsPort }}
              protocol: TCP
            {{- end }}
          env:
            {{- include "strongroom.env" . | trim | nindent 12 }}
          startupProbe:
            httpGet:
              path: /healthz
              port: {{ $probePort }}
            {{- toYaml $root.Values.probes.startup | nindent 12 }}
          livenessProbe:
            httpGet:
              path: /healthz
              port: {{ $probePort }}
            {{- toYaml $root.Values.probes.liveness | nindent 12 }}
          readinessProbe:
            httpGet:
              path: /readyz
              port: {{ $probePort }}
            {{- toYaml $root.Values.probes.readiness | nindent 12 }}
          {{- with $svc.resources }}
          resources:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          volumeMounts:
            - name: tls
              mountPath: /tls
              readOnly: true
            - name: jwt
              mountPath: /keys
              readOnly: true
            {{- if $credentialKeys }}
            - name: credentials
              mountPath: /secrets
              readOnly: true
            {{- end }}
            - name: tmp
              mountPath: /tmp
      volumes:
        # ca.crt, tls.crt, tls.key: the format cert-manager writes (tls.certManager) or
        # `kubectl create secret generic` from `strongroom keygen` output (values.yaml).
        - name: tls-secret
          secret:
            secretName: {{ include "strongroom.tlsSecretName" $ctx | quote }}
            defaultMode: 0400
            items:
              - key: ca.crt
                path: ca.crt
              - key: tls.crt
                path: tls.crt
              - key: tls.key
                path: tls.key
        - name: tls
          emptyDir:
            medium: Memory
            sizeLimit: 1Mi
        - name: jwt
          secret:
            secretName: {{ $root.Values.jwt.secretName | quote }}
            defaultMode: 0440
            items:
              - key: jwt-public.pem
                path: jwt-public.pem
              {{- if eq $name "identity" }}
              # Only identity signs tokens, so only identity gets the private key.
              - key: jwt-private.pem
                path: jwt-private.pem
              - key: identity-settings.key
                path: identity-settings.key
              {{- end }}
              {{- if eq $name "tenant" }}
              # Seals the mail and proxy passwords orgs save.
              - key: tenant-settings.key
                path: tenant-settings.key
              {{- end }}
        {{- if $credentialKeys }}
        # This service's own passwords and tokens, read through STRONGROOM_*_FILE.
        - name: credentials
          secret:
            secretName: {{ include "strongroom.credentialsSecretName" $ctx | quote }}
            defaultMode: 0440
            items:
              {{- range $credentialKeys }}
              - key: {{ . }}
                path: {{ . }}
              {{- end }}
        {{- end }}
        - name: tmp
          emptyDir: {}
      {{- with ($svc.nodeSelector | default $root.Values.nodeSelector) }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with ($svc.affinity | default $root.Values.affinity) }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with ($svc.tolerations | default $root.Values.tolerations) }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ $fullname }}
  labels:
    {{- include "strongroom.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ $name }}
spec:
  type: {{ (($svc.service | default (dict)).type) | default "ClusterIP" }}
  selector:
    {{- include "strongroom.selectorLabels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ $name }}
  ports:
    {{- if $isGateway }}
    - name: http
      port: {{ $svc.httpPort }}
      targetPort: http
      protocol: TCP
      appProtocol: http
    {{- else }}
    - name: grpc
      port: {{ $svc.grpcPort }}
      targetPort: grpc
      protocol: TCP
      appProtocol: grpc
    - name: ops
      port: {{ $svc.opsPort }}
      targetPort: ops
      protocol: TCP
      appProtocol: http
    {{- end }}
{{- end }}
