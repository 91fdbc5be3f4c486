/**
 * Checks every HTTP answer the integration tests receive against the generated OpenAPI document: the status must
 * be documented for the operation, and a JSON body must match its schema (ajv, JSON Schema 2020-12, formats).
 * Requests to paths or methods the document does not know (tests of 404/405 on purpose) are not checked.
 */
import fs from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { openApiDocument } from '../../src/api/openapi/document.ts';

type Json = Record<string, any>;

interface OperationMatcher {
  method: string;
  template: string;
  pattern: RegExp;
  /** Literal segments first: `/api/gateways/provision` wins over `/api/gateways/{id}`. */
  literalSegments: number;
  responses: Record<string, Json>;
}

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
const DOCUMENT_ID = 'https://smarthome-cloud.test/openapi.json';

class ContractChecker {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true });
  private readonly operations: OperationMatcher[] = [];
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(document: Json) {
    addFormats(this.ajv);
    this.ajv.addSchema({ $id: DOCUMENT_ID, components: document.components });
    for (const [template, methods] of Object.entries(document.paths as Record<string, Json>)) {
      for (const [method, operation] of Object.entries(methods)) {
        if (String(operation.operationId) === 'openAppSocket') continue;
        const segments = template.split('/');
        const pattern = new RegExp(
          `^${segments.map((s) => (s.startsWith('{') ? '[^/]+' : s.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))).join('/')}/?$`,
        );
        const literalSegments = segments.filter((s) => !s.startsWith('{')).length;
        this.operations.push({ method, template, pattern, literalSegments, responses: operation.responses });
      }
    }
    this.operations.sort((a, b) => b.literalSegments - a.literalSegments);
  }

  private operationOf(method: string, path: string): OperationMatcher | undefined {
    const bare = path.split('?')[0]!;
    return this.operations.find((op) => op.method === method.toLowerCase() && op.pattern.test(bare));
  }

  private validatorFor(ref: string): ValidateFunction {
    let validator = this.validators.get(ref);
    if (!validator) {
      validator = this.ajv.compile({ $ref: `${DOCUMENT_ID}${ref}` });
      this.validators.set(ref, validator);
    }
    return validator;
  }

  /** Throws when the answer is not one the document describes; returns whether it was checked. */
  check(method: string, path: string, status: number, contentType: string | null, body: unknown): boolean {
    const operation = this.operationOf(method, path);
    if (!operation) return false;
    const where = `${method} ${path} (${operation.method.toUpperCase()} ${operation.template})`;
    const response = operation.responses[String(status)];
    if (!response) {
      throw new Error(`OpenAPI: ${where} answered ${status}, which is not documented: ${JSON.stringify(body)}`);
    }
    const media = response.content as Record<string, Json> | undefined;
    if (!media) {
      if (body !== null && body !== '') throw new Error(`OpenAPI: ${where} ${status} documents no body, got one`);
      return true;
    }
    const json = media['application/json'];
    if (!json) {
      const expected = Object.keys(media)[0]!;
      if (!contentType?.startsWith(expected)) {
        throw new Error(`OpenAPI: ${where} ${status} should be ${expected}, was ${contentType}`);
      }
      return true;
    }
    const validate = this.validatorFor(json.schema.$ref);
    if (!validate(body)) {
      throw new Error(
        `OpenAPI: ${where} ${status} body does not match ${json.schema.$ref}: ` +
          `${this.ajv.errorsText(validate.errors)}\nbody: ${JSON.stringify(body).slice(0, 2000)}`,
      );
    }
    return true;
  }
}

let checker: ContractChecker | null = null;
let checked = 0;

/** The answer must be one the document describes (a thrown Error fails the test that made the request). */
export function checkAgainstContract(
  method: string,
  path: string,
  status: number,
  contentType: string | null,
  body: unknown,
): void {
  checker ??= new ContractChecker(openApiDocument() as Json);
  if (checker.check(method, path, status, contentType, body)) checked += 1;
}

/** With OPENAPI_CHECK_REPORT set, each worker appends how many answers it checked (for the result note). */
const report = process.env.OPENAPI_CHECK_REPORT;
if (report) process.on('exit', () => fs.appendFileSync(report, `${checked}\n`));
