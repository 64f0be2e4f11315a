@description('One Scrapbook service as a container app, run as the shared identity, its image pulled from the registry with that identity.')
param name string
param location string
param tags object

@description('The service name in azure.yaml; azd finds the app to deploy to by this tag.')
param serviceName string

param environmentId string
param identityId string
param identityClientId string
param registryServer string

@description('Whether azd has deployed this app before (SERVICE_<NAME>_RESOURCE_EXISTS): then its current image is kept; else a placeholder runs until azd deploys.')
param exists bool

@description('External ingress (only the Gateway) or internal ingress (reachable as http://<name> inside the environment); none for the worker.')
@allowed(['external', 'internal', 'none'])
param ingress string

@description('The service\'s settings, under the names it reads locally (ConnectionStrings__*, services__*, sections).')
param env array

@description('Key Vault references: [{ name, keyVaultUrl }], read with the identity; env entries name them with secretRef.')
param secrets array = []

param cpu string = '0.5'
param memory string = '1Gi'
param minReplicas int
param maxReplicas int
param scaleRules array = []

var port = 8080
// Until azd's first deploy there is no image of ours; the placeholder answers on port 80 and has no /alive, so probes
// wait for our image (the postdeploy hook provisions once more to add them).
var placeholderImage = 'mcr.microsoft.com/azuredocs/containerapps-helloworld:latest'

resource deployed 'Microsoft.App/containerApps@2025-01-01' existing = if (exists) {
  name: name
}

var probes = [
  {
    type: 'Startup'
    httpGet: {
      path: '/alive'
      port: port
    }
    initialDelaySeconds: 1
    periodSeconds: 2
    failureThreshold: 30
  }
  {
    type: 'Liveness'
    httpGet: {
      path: '/alive'
      port: port
    }
    periodSeconds: 10
    failureThreshold: 3
  }
  {
    type: 'Readiness'
    httpGet: {
      path: '/health'
      port: port
    }
    periodSeconds: 5
    failureThreshold: 3
  }
]

resource app 'Microsoft.App/containerApps@2025-01-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    environmentId: environmentId
    workloadProfileName: 'Consumption'
    configuration: {
      activeRevisionsMode: 'Single'
      ingress: ingress == 'none'
        ? null
        : {
            external: ingress == 'external'
            targetPort: port
            transport: 'http'
            // Inside the environment the services call each other over plain HTTP (http://gallery-api); only the
            // Gateway's public endpoint redirects to HTTPS.
            allowInsecure: ingress == 'internal'
          }
      registries: [
        {
          server: registryServer
          identity: identityId
        }
      ]
      secrets: [
        for secret in secrets: {
          name: secret.name
          keyVaultUrl: secret.keyVaultUrl
          identity: identityId
        }
      ]
    }
    template: {
      containers: [
        {
          name: serviceName
          image: exists ? deployed!.properties.template.containers[0].image : placeholderImage
          resources: {
            cpu: json(cpu)
            memory: memory
          }
          env: concat(
            [
              // DefaultAzureCredential picks the user-assigned identity by this id.
              { name: 'AZURE_CLIENT_ID', value: identityClientId }
              { name: 'OTEL_SERVICE_NAME', value: serviceName }
            ],
            // As Aspire sets it locally: internal services believe X-Forwarded-* (only the environment reaches them);
            // the Gateway believes it only from Gateway:TrustedProxies.
            ingress == 'internal' ? [{ name: 'ASPNETCORE_FORWARDEDHEADERS_ENABLED', value: 'true' }] : [],
            env
          )
          probes: exists ? probes : []
        }
      ]
      scale: {
        minReplicas: minReplicas
        maxReplicas: maxReplicas
        rules: scaleRules
      }
    }
  }
}

output name string = app.name
output fqdn string = ingress == 'none' ? '' : app.properties.configuration.ingress.fqdn
output probesAttached bool = exists
