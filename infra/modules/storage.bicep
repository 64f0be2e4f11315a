@description('Blob storage for originals and renditions, reached only with Microsoft Entra tokens: no shared keys, no public blobs. The one exception is the staging container, which clients write to directly with short-lived user-delegation SAS URLs that Upload.Api hands out: a second public write endpoint next to the gateway.')
param name string
param location string
param tags object
param containerName string
param contributorPrincipalId string

@description('Where direct uploads land: each SAS names one blob here and lets its holder write that blob, nothing else. Upload.Api checks what arrived before anything is copied to the main container.')
param stagingContainerName string

@description('Origins whose pages may PUT to an upload URL from a browser: the gateway\'s public address. CORS rules apply to the whole blob service, so they allow PUT only.')
param corsOrigins array

var blobDataContributorRole = subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'ba92f5b4-2d11-453d-a403-e96b0029c9fe')

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    accessTier: 'Hot'
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: account
  name: 'default'
  properties: {
    cors: {
      corsRules: [
        {
          allowedOrigins: corsOrigins
          allowedMethods: [ 'PUT', 'OPTIONS' ]
          allowedHeaders: [ 'content-type', 'content-length', 'x-ms-blob-type', 'x-ms-blob-content-type', 'x-ms-version', 'x-ms-date', 'x-ms-client-request-id' ]
          exposedHeaders: [ 'etag', 'x-ms-request-id' ]
          maxAgeInSeconds: 3600
        }
      ]
    }
  }
}

resource container 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: containerName
  properties: {
    publicAccess: 'None'
  }
}

resource staging 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: stagingContainerName
  properties: {
    publicAccess: 'None'
  }
}

// Upload.Api's sweeper removes what nobody completed within minutes; this is the backstop if every replica is down.
resource lifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2023-05-01' = {
  parent: account
  name: 'default'
  properties: {
    policy: {
      rules: [
        {
          name: 'expire-staged-uploads'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: {
              blobTypes: [ 'blockBlob' ]
              prefixMatch: [ '${stagingContainerName}/' ]
            }
            actions: {
              baseBlob: {
                delete: { daysAfterModificationGreaterThan: 1 }
              }
            }
          }
        }
      ]
    }
  }
}

resource contributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(account.id, contributorPrincipalId, blobDataContributorRole)
  scope: account
  properties: {
    roleDefinitionId: blobDataContributorRole
    principalId: contributorPrincipalId
    principalType: 'ServicePrincipal'
  }
}

output name string = account.name
output blobEndpoint string = account.properties.primaryEndpoints.blob
