@description('Azure Managed Redis for the events stream. StackExchange.Redis signs in with the database access key, kept in Key Vault as a whole connection string: the Microsoft Entra extension for StackExchange.Redis is not among the packages this project builds with.')
param name string
param location string
param tags object
param keyVaultName string

@description('Balanced_B0 is the smallest Azure Managed Redis size; streams need no more for an event backlog.')
param skuName string = 'Balanced_B0'

resource cache 'Microsoft.Cache/redisEnterprise@2025-04-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: skuName
  }
  properties: {
    minimumTlsVersion: '1.2'
  }
}

resource database 'Microsoft.Cache/redisEnterprise/databases@2025-04-01' = {
  parent: cache
  name: 'default'
  properties: {
    clientProtocol: 'Encrypted'
    port: 10000
    // One endpoint that proxies to the shards: a client that does not follow the cluster protocol works unchanged.
    clusteringPolicy: 'EnterpriseCluster'
    // The stream is the live-event backlog; evicting it would lose events.
    evictionPolicy: 'NoEviction'
    accessKeysAuthentication: 'Enabled'
  }
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

resource connection 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'redis-connection'
  properties: {
    value: '${cache.properties.hostName}:${database.properties.port},password=${database.listKeys().primaryKey},ssl=True,abortConnect=False'
  }
}

output name string = cache.name
output connectionSecretUri string = '${vault.properties.vaultUri}secrets/${connection.name}'
