// An independent verifier of Dignity's Open Badges 3.0 credentials, for the test suite.
//
// None of the checking below is Dignity's code: `jose` verifies the VC-JWTs (signature, algorithm,
// issuer, nbf and exp), Digital Bazaar's Bitstring Status List library reads the status bit, and
// LearnCard's Open Badges 3.0 validators check the data model. The test hands over what a verifier
// would have fetched, so nothing is downloaded here:
//
//   stdin:  {"token": "<VC-JWT>", "issuer": "<expected issuer id>", "now": <seconds, optional>,
//            "documents": {"<URL>": <JWK object, or a status list VC-JWT string>, ...},
//            "readable": <the unsigned .json copy, optional>}
//   stdout: {"valid": bool, "problems": [...], "claims": {...}, "revoked": bool | null,
//            "model": {"jwt": [...issues], "readable": [...issues]}}
//
// Offline, from files a third party fetched once (docs/certificates.md):
//   node verify.mjs --issuer https://academy.example/issuer credential.jwt jwks.json status-1.jwt

import {readFileSync} from 'node:fs';
import {decodeJwt, decodeProtectedHeader, importJWK, jwtVerify} from 'jose';
import {checkStatus} from '@digitalbazaar/vc-bitstring-status-list';
import {UnsignedAchievementCredentialValidator} from '@learncard/types';

const JWT_CLAIMS = ['iss', 'sub', 'jti', 'nbf', 'exp', 'iat'];

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

// The same request built from files: a JWKS or JWK is filed under each kid, a status list under its id.
function readFiles(args) {
  const at = args.indexOf('--issuer');
  if (at < 0 || !args[at + 1]) throw new Error('usage: verify.mjs --issuer URL credential.jwt [jwks.json|key.json|list.jwt]...');
  const issuer = args[at + 1];
  const [tokenFile, ...others] = args.filter((_, i) => i !== at && i !== at + 1);
  const documents = {};
  for (const file of others) {
    const text = readFileSync(file, 'utf8').trim();
    if (text.startsWith('{')) {
      const json = JSON.parse(text);
      for (const key of json.keys ?? [json]) documents[key.kid] = key;
    } else {
      documents[decodeJwt(text).id] = text;
    }
  }
  return {token: readFileSync(tokenFile, 'utf8').trim(), issuer, documents};
}

// Open Badges 3.0, VC-JWT proof format: RS256, typ JWT, and a kid that is a URL returning the JWK.
async function verifyJwt(token, {documents, issuer, now}) {
  const header = decodeProtectedHeader(token);
  if (header.alg !== 'RS256') throw new Error(`alg is ${header.alg}, not RS256`);
  if (header.typ !== 'JWT') throw new Error(`typ is ${header.typ}, not JWT`);
  if (!/^https?:\/\//.test(header.kid ?? '')) throw new Error('kid is not an absolute URL');
  const jwk = documents[header.kid];
  if (!jwk || typeof jwk !== 'object') throw new Error(`kid ${header.kid} does not dereference to a key`);
  const key = await importJWK(jwk, 'RS256');
  const options = {algorithms: ['RS256'], issuer, typ: 'JWT', requiredClaims: ['iss', 'jti', 'nbf']};
  if (now !== undefined) options.currentDate = new Date(now * 1000);
  const {payload} = await jwtVerify(token, key, options);
  return payload;
}

// The VC-JWT claims must say what the credential says (Open Badges 3.0, section 8.2.4).
function claimProblems(claims) {
  const problems = [];
  const seconds = (iso) => Math.floor(Date.parse(iso) / 1000);
  const issuerId = typeof claims.issuer === 'object' ? claims.issuer.id : claims.issuer;
  if (claims.iss !== issuerId) problems.push('iss is not issuer.id');
  if (claims.jti !== claims.id) problems.push('jti is not the credential id');
  if (claims.sub === undefined || claims.sub !== claims.credentialSubject?.id) {
    problems.push('sub is not credentialSubject.id');
  }
  if (claims.nbf !== seconds(claims.validFrom)) problems.push('nbf is not validFrom');
  if ('validUntil' in claims && claims.exp !== seconds(claims.validUntil)) problems.push('exp is not validUntil');
  return problems;
}

function withoutJwtClaims(claims) {
  return Object.fromEntries(Object.entries(claims).filter(([name]) => !JWT_CLAIMS.includes(name)));
}

function modelIssues(credential) {
  const result = UnsignedAchievementCredentialValidator.safeParse(credential);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

async function main() {
  const args = process.argv.slice(2);
  const input = args.length ? readFiles(args) : await readStdin();
  const output = {valid: false, problems: [], claims: null, revoked: null, model: {}};
  let claims;
  try {
    claims = await verifyJwt(input.token, input);
  } catch (error) {
    output.problems.push(`signature: ${error.code ?? ''} ${error.message}`.trim());
    process.stdout.write(JSON.stringify(output));
    if (args.length) process.exitCode = 1;
    return;
  }
  output.claims = claims;
  output.problems.push(...claimProblems(claims));
  output.model.jwt = modelIssues(withoutJwtClaims(claims));
  if (input.readable) output.model.readable = modelIssues(input.readable);

  // The status list is itself a VC-JWT: jose verifies it, then Digital Bazaar reads the bit.
  const documentLoader = async (url) => {
    const token = input.documents[url];
    if (typeof token !== 'string') throw new Error(`${url} was not fetched`);
    const list = await verifyJwt(token, {...input, now: undefined});
    return {contextUrl: null, documentUrl: url, document: withoutJwtClaims(list)};
  };
  const status = await checkStatus({
    credential: withoutJwtClaims(claims), documentLoader, verifyBitstringStatusListCredential: false,
  });
  if (!status.verified) {
    output.problems.push(`status: ${status.error?.message ?? 'not verified'}`);
  } else {
    output.revoked = status.results.some((r) => r.credentialStatus.statusPurpose === 'revocation' && r.status);
    if (output.revoked) output.problems.push('revoked');
  }
  output.valid = output.problems.length === 0;
  process.stdout.write(JSON.stringify(output));
  if (args.length && !output.valid) process.exitCode = 1;  // for scripts checking files
}

main().catch((error) => {
  process.stdout.write(JSON.stringify({valid: false, problems: [`verifier error: ${error.message}`]}));
  process.exitCode = 2;
});
