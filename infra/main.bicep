targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('The azd environment name: names the resource group and tags every resource.')
param environmentName string

@minLength(1)
@description('Region for every resource.')
param location string

@description('Object id of the person running azd (AZURE_PRINCIPAL_ID): may read the vault\'s secrets.')
param principalId string = ''

@secure()
@description('The admin key (X-Admin-Key). azd generates one on the first provision and reads it back from the vault after.')
param adminKey string

@description('Photos one owner may keep; the deployment is public, so anonymous sessions cannot fill the storage account.')
param quotaMaxPhotosPerOwner int = 2000

@description('Bytes of originals one owner may keep (5 GiB).')
param quotaMaxBytesPerOwner int = 5368709120

// Whether azd has deployed each app before; azd sets SERVICE_<NAME>_RESOURCE_EXISTS (main.parameters.json).
param gatewayExists bool = false
param uploadApiExists bool = false
param galleryApiExists bool = false
param thumbnailWorkerExists bool = false
param notifyApiExists bool = false

var tags = { 'azd-env-name': environmentName }
var token = toLower(uniqueString(subscription().id, environmentName, location))
var blobContainer = 'scrapbook'
var thumbnailQueue = 'thumbnails'

// The Container Apps ingress (Envoy) is the gateway's only peer and reaches it from the environment's private
// addresses; its X-Forwarded-For names the client, so each client gets its own rate-limit partition.
var ingressNetworks = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10']

resource group 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: group
  params: {
    name: 'id-scrapbook-${token}'
    location: location
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: group
  params: {
    name: 'log-${token}'
    location: location
    tags: tags
  }
}

module registry 'modules/registry.bicep' = {
  name: 'registry'
  scope: group
  params: {
    name: 'cr${token}'
    location: location
    tags: tags
    pullerPrincipalId: identity.outputs.principalId
  }
}

module vault 'modules/key-vault.bicep' = {
  name: 'key-vault'
  scope: group
  params: {
    name: 'kv-${token}'
    location: location
    tags: tags
    readerPrincipalId: identity.outputs.principalId
    principalId: principalId
    adminKey: adminKey
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: group
  params: {
    name: 'st${token}'
    location: location
    tags: tags
    containerName: blobContainer
    contributorPrincipalId: identity.outputs.principalId
    stagingContainerName: 'staging'
    // Direct uploads make storage a second public write endpoint; browsers may reach it only from the gateway's pages.
    corsOrigins: [ 'https://gateway.${environment.outputs.defaultDomain}' ]
  }
}

module serviceBus 'modules/service-bus.bicep' = {
  name: 'service-bus'
  scope: group
  params: {
    name: 'sb-${token}'
    location: location
    tags: tags
    queueName: thumbnailQueue
    appPrincipalId: identity.outputs.principalId
  }
}

module redis 'modules/redis.bicep' = {
  name: 'redis'
  scope: group
  params: {
    name: 'redis-${token}'
    location: location
    tags: tags
    keyVaultName: vault.outputs.name
  }
}

module postgres 'modules/postgres.bicep' = {
  name: 'postgres'
  scope: group
  params: {
    name: 'psql-${token}'
    location: location
    tags: tags
    databaseName: 'gallerydb'
    adminIdentityName: identity.outputs.name
    adminIdentityPrincipalId: identity.outputs.principalId
  }
}

module environment 'modules/environment.bicep' = {
  name: 'environment'
  scope: group
  params: {
    name: 'cae-${token}'
    location: location
    tags: tags
    logAnalyticsName: monitoring.outputs.name
  }
}

// What every app shares: where it runs, as whom, and where its image comes from.
var host = {
  location: location
  tags: tags
  environmentId: environment.outputs.id
  identityId: identity.outputs.id
  identityClientId: identity.outputs.clientId
  registryServer: registry.outputs.loginServer
}

module galleryApi 'modules/container-app.bicep' = {
  name: 'app-gallery-api'
  scope: group
  params: {
    name: 'gallery-api'
    serviceName: 'gallery-api'
    exists: galleryApiExists
    ingress: 'internal'
    location: host.location
    tags: host.tags
    environmentId: host.environmentId
    identityId: host.identityId
    identityClientId: host.identityClientId
    registryServer: host.registryServer
    secrets: [
      { name: 'admin-key', keyVaultUrl: vault.outputs.adminKeySecretUri }
      { name: 'redis-connection', keyVaultUrl: redis.outputs.connectionSecretUri }
    ]
    env: [
      { name: 'ConnectionStrings__gallerydb', value: postgres.outputs.connectionString }
      { name: 'ConnectionStrings__blobs', value: storage.outputs.blobEndpoint }
      { name: 'ConnectionStrings__messaging', value: serviceBus.outputs.endpoint }
      { name: 'ConnectionStrings__redis', secretRef: 'redis-connection' }
      { name: 'Admin__Key', secretRef: 'admin-key' }
      { name: 'Quota__MaxPhotosPerOwner', value: string(quotaMaxPhotosPerOwner) }
      { name: 'Quota__MaxBytesPerOwner', value: string(quotaMaxBytesPerOwner) }
    ]
    // On PostgreSQL replicas share the database: migrations take an advisory lock, relays take turns numbering the outbox.
    minReplicas: 1
    maxReplicas: 3
    scaleRules: [
      { name: 'http', http: { metadata: { concurrentRequests: '100' } } }
    ]
  }
}

module uploadApi 'modules/container-app.bicep' = {
  name: 'app-upload-api'
  scope: group
  params: {
    name: 'upload-api'
    serviceName: 'upload-api'
    exists: uploadApiExists
    ingress: 'internal'
    location: host.location
    tags: host.tags
    environmentId: host.environmentId
    identityId: host.identityId
    identityClientId: host.identityClientId
    registryServer: host.registryServer
    secrets: [
      { name: 'redis-connection', keyVaultUrl: redis.outputs.connectionSecretUri }
    ]
    env: [
      { name: 'ConnectionStrings__blobs', value: storage.outputs.blobEndpoint }
      { name: 'ConnectionStrings__redis', secretRef: 'redis-connection' }
      { name: 'services__gallery-api__http__0', value: 'http://${galleryApi.outputs.name}' }
    ]
    // libvips probes headers and the URL fetcher streams to temporary files: a whole core and 2 GiB per replica.
    cpu: '1.0'
    memory: '2Gi'
    minReplicas: 1
    maxReplicas: 10
    scaleRules: [
      { name: 'http', http: { metadata: { concurrentRequests: '20' } } }
    ]
  }
}

module notifyApi 'modules/container-app.bicep' = {
  name: 'app-notify-api'
  scope: group
  params: {
    name: 'notify-api'
    serviceName: 'notify-api'
    exists: notifyApiExists
    ingress: 'internal'
    location: host.location
    tags: host.tags
    environmentId: host.environmentId
    identityId: host.identityId
    identityClientId: host.identityClientId
    registryServer: host.registryServer
    secrets: [
      { name: 'redis-connection', keyVaultUrl: redis.outputs.connectionSecretUri }
    ]
    env: [
      { name: 'ConnectionStrings__redis', secretRef: 'redis-connection' }
      { name: 'services__gallery-api__http__0', value: 'http://${galleryApi.outputs.name}' }
    ]
    // Every open page holds one event stream (about 63 KiB each, measured): one replica per 5,000 open streams, never
    // scaled to zero, so a stream is never waiting for a cold start.
    minReplicas: 1
    maxReplicas: 10
    scaleRules: [
      { name: 'open-streams', http: { metadata: { concurrentRequests: '5000' } } }
    ]
  }
}

module thumbnailWorker 'modules/container-app.bicep' = {
  name: 'app-thumbnail-worker'
  scope: group
  params: {
    name: 'thumbnail-worker'
    serviceName: 'thumbnail-worker'
    exists: thumbnailWorkerExists
    ingress: 'none'
    location: host.location
    tags: host.tags
    environmentId: host.environmentId
    identityId: host.identityId
    identityClientId: host.identityClientId
    registryServer: host.registryServer
    env: [
      { name: 'ConnectionStrings__blobs', value: storage.outputs.blobEndpoint }
      { name: 'ConnectionStrings__messaging', value: serviceBus.outputs.endpoint }
      { name: 'services__gallery-api__http__0', value: 'http://${galleryApi.outputs.name}' }
    ]
    cpu: '1.0'
    memory: '2Gi'
    // No jobs, no replicas: KEDA reads the queue's length with the identity and starts workers as jobs arrive.
    minReplicas: 0
    maxReplicas: 10
    scaleRules: [
      {
        name: 'thumbnail-queue'
        custom: {
          type: 'azure-servicebus'
          identity: host.identityId
          metadata: {
            namespace: serviceBus.outputs.name
            queueName: serviceBus.outputs.queueName
            messageCount: '5'
          }
        }
      }
    ]
  }
}

module gateway 'modules/container-app.bicep' = {
  name: 'app-gateway'
  scope: group
  params: {
    name: 'gateway'
    serviceName: 'gateway'
    exists: gatewayExists
    ingress: 'external'
    location: host.location
    tags: host.tags
    environmentId: host.environmentId
    identityId: host.identityId
    identityClientId: host.identityClientId
    registryServer: host.registryServer
    env: [
      { name: 'ConnectionStrings__blobs', value: storage.outputs.blobEndpoint }
      { name: 'services__upload-api__http__0', value: 'http://${uploadApi.outputs.name}' }
      { name: 'services__gallery-api__http__0', value: 'http://${galleryApi.outputs.name}' }
      { name: 'services__notify-api__http__0', value: 'http://${notifyApi.outputs.name}' }
      { name: 'Gateway__TrustedProxies__0', value: ingressNetworks[0] }
      { name: 'Gateway__TrustedProxies__1', value: ingressNetworks[1] }
      { name: 'Gateway__TrustedProxies__2', value: ingressNetworks[2] }
      { name: 'Gateway__TrustedProxies__3', value: ingressNetworks[3] }
      // The address the wall's QR code points at: the gateway's own, under the environment's domain.
      { name: 'Scrapbook__PublicBaseUrl', value: 'https://gateway.${environment.outputs.defaultDomain}/' }
    ]
    minReplicas: 1
    maxReplicas: 10
    scaleRules: [
      { name: 'http', http: { metadata: { concurrentRequests: '200' } } }
    ]
  }
}

output AZURE_LOCATION string = location
output AZURE_RESOURCE_GROUP string = group.name
output AZURE_CONTAINER_REGISTRY_ENDPOINT string = registry.outputs.loginServer
output AZURE_CONTAINER_REGISTRY_NAME string = registry.outputs.name
output AZURE_CONTAINER_APPS_ENVIRONMENT_NAME string = environment.outputs.name
output AZURE_KEY_VAULT_NAME string = vault.outputs.name
output SCRAPBOOK_URL string = 'https://${gateway.outputs.fqdn}'
@description('False until every app has been deployed once; the postdeploy hook then provisions again to attach the health probes.')
output SCRAPBOOK_PROBES_ATTACHED bool = gatewayExists && uploadApiExists && galleryApiExists && thumbnailWorkerExists && notifyApiExists
