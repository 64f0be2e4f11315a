@description('The thumbnail job queue. Local (SAS) auth is off: the apps send and receive with the identity\'s data roles.')
param name string
param location string
param tags object
param queueName string
param appPrincipalId string

var senderRole = subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39')
var receiverRole = subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0')

resource namespace 'Microsoft.ServiceBus/namespaces@2024-01-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: 'Standard'
    tier: 'Standard'
  }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
  }
}

resource queue 'Microsoft.ServiceBus/namespaces/queues@2024-01-01' = {
  parent: namespace
  name: queueName
  properties: {
    // The worker renews the lock while it renders; five deliveries, then the dead-letter queue (the photo is marked failed).
    lockDuration: 'PT1M'
    maxDeliveryCount: 5
    deadLetteringOnMessageExpiration: true
    // The message id is the job id: a job the outbox relay sends twice is dropped the second time.
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: 'PT10M'
  }
}

resource send 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(queue.id, appPrincipalId, senderRole)
  scope: queue
  properties: {
    roleDefinitionId: senderRole
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource receive 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(queue.id, appPrincipalId, receiverRole)
  scope: queue
  properties: {
    roleDefinitionId: receiverRole
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

output name string = namespace.name
@description('https://{namespace}.servicebus.windows.net:443/, which the apps read as the namespace to sign in to.')
output endpoint string = namespace.properties.serviceBusEndpoint
output queueName string = queue.name
