@description('PostgreSQL Flexible Server for gallerydb, with Microsoft Entra authentication only: the apps\' identity signs in with a token, no database password exists.')
param name string
param location string
param tags object
param databaseName string
param adminIdentityName string
param adminIdentityPrincipalId string

resource server 'Microsoft.DBforPostgreSQL/flexibleServers@2024-08-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: 'Standard_B1ms'
    tier: 'Burstable'
  }
  properties: {
    version: '16'
    storage: {
      storageSizeGB: 32
      autoGrow: 'Enabled'
    }
    backup: {
      backupRetentionDays: 7
      geoRedundantBackup: 'Disabled'
    }
    highAvailability: {
      mode: 'Disabled'
    }
    authConfig: {
      activeDirectoryAuth: 'Enabled'
      passwordAuth: 'Disabled'
      tenantId: subscription().tenantId
    }
  }
}

// Gallery.Api applies its migrations at start (CREATE TABLE …), so its identity administers the server, which holds
// nothing but this database.
resource admin 'Microsoft.DBforPostgreSQL/flexibleServers/administrators@2024-08-01' = {
  parent: server
  name: adminIdentityPrincipalId
  properties: {
    principalType: 'ServicePrincipal'
    principalName: adminIdentityName
    tenantId: subscription().tenantId
  }
}

resource database 'Microsoft.DBforPostgreSQL/flexibleServers/databases@2024-08-01' = {
  parent: server
  name: databaseName
  properties: {
    charset: 'UTF8'
    collation: 'en_US.utf8'
  }
}

// Container Apps without a virtual network reach the server over its public endpoint; this rule admits Azure's own
// addresses only, and every sign-in still needs an Entra token for the administrator identity.
resource azureServices 'Microsoft.DBforPostgreSQL/flexibleServers/firewallRules@2024-08-01' = {
  parent: server
  name: 'AllowAzureServices'
  properties: {
    startIpAddress: '0.0.0.0'
    endIpAddress: '0.0.0.0'
  }
  dependsOn: [admin]
}

output name string = server.name
@description('What Gallery.Api reads as ConnectionStrings__gallerydb: no password, so it signs in with an Entra token.')
output connectionString string = 'Host=${server.properties.fullyQualifiedDomainName};Database=${database.name};Username=${adminIdentityName};Ssl Mode=Require'
