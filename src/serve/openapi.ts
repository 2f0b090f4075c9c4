/**
 * The OpenAPI 3.1 document of the HTTP API, generated from the route table's zod schemas
 * (`routes.ts`) with zod's own JSON Schema output: request bodies as a client writes them
 * (defaults optional), responses as the server sends them. Served at `/openapi.json`.
 */
import { z } from 'zod'
import { ErrorResponseSchema, ROUTES, type RouteSpec } from './routes.js'

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>
  return rest
}

/** Path parameters and query parameters of a route, as OpenAPI parameters. */
function parameters(route: RouteSpec): unknown[] {
  const out: unknown[] = []
  for (const [where, schema] of [['path', route.params], ['query', route.query]] as const) {
    if (!schema) continue
    const json = jsonSchema(schema, 'input') as { properties?: Record<string, unknown>; required?: string[] }
    for (const [name, property] of Object.entries(json.properties ?? {})) {
      out.push({ name, in: where, required: where === 'path' || (json.required ?? []).includes(name), schema: property })
    }
  }
  return out
}

const ERRORS: Record<string, string> = {
  '400': 'INVALID_REQUEST (body, path or query does not fit), INVALID_FEEDBACK',
  '401': 'UNAUTHORIZED: no or another bearer token',
  '404': 'UNKNOWN_ENTRY, UNKNOWN_EVENT, UNKNOWN_ROUTE',
  '413': 'REQUEST_TOO_LARGE: the body is over the limit',
  '503': 'STORE_UNAVAILABLE, LOG_STORE, LOG_CLOSED: the hit log cannot take it now (asks still answer)',
}

/** The OpenAPI document of a server (`serverUrl` in `servers` when given). */
export function openApiDocument(version: string, serverUrl?: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {}
  for (const [id, route] of Object.entries(ROUTES) as [string, RouteSpec][]) {
    const path = route.path.replace(/:([A-Za-z_]+)/g, '{$1}')
    const responses: Record<string, unknown> = {
      '200': route.response
        ? { description: 'OK', content: { 'application/json': { schema: jsonSchema(route.response, 'output') } } }
        : { description: 'OK', content: { [route.produces ?? 'text/plain']: { schema: { type: 'string' } } } },
    }
    for (const [status, description] of Object.entries(ERRORS)) {
      if (status === '401' && !route.auth) continue
      if (status === '413' && !route.body) continue
      responses[status] = { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } }
    }
    paths[path] = {
      ...paths[path],
      [route.method.toLowerCase()]: {
        operationId: id,
        summary: route.summary,
        ...(route.auth ? {} : { security: [] }),
        ...(parameters(route).length > 0 ? { parameters: parameters(route) } : {}),
        ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(route.body, 'input') } } } } : {}),
        responses,
      },
    }
  }
  return {
    openapi: '3.1.0',
    info: { title: 'kotae', version, description: 'Answer customers from a multilingual FAQ: answer when right, hand over when not.' },
    ...(serverUrl ? { servers: [{ url: serverUrl }] } : {}),
    security: [{ bearer: [] }],
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } }, schemas: { Error: jsonSchema(ErrorResponseSchema, 'output') } },
    paths,
  }
}
