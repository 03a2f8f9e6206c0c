// Reads Kubernetes objects as YAML on standard input (what `kubectl kustomize` renders), validates
// each against the schema of its apiVersion and kind — Kubernetes' own (kubernetes-models) and
// KEDA's (@kubernetes-models/keda) — and writes them to standard output as one JSON array, for the
// .NET test to check the deployment's rules on. An object of an unknown kind, or one that does not
// validate, is named on standard error and the exit code is 1.
import { parseAllDocuments } from "yaml";

const input = await new Promise((resolve, reject) => {
  let text = "";
  process.stdin.setEncoding("utf8");
  process.stdin.on("data", (chunk) => (text += chunk));
  process.stdin.on("end", () => resolve(text));
  process.stdin.on("error", reject);
});

// apiVersion -> the module that holds its kinds.
function modulePath(apiVersion) {
  if (apiVersion.startsWith("keda.sh/")) {
    return `@kubernetes-models/keda/${apiVersion}`;
  }

  return `kubernetes-models/${apiVersion}`;
}

const objects = [];
const problems = [];
for (const document of parseAllDocuments(input)) {
  if (document.errors.length > 0) {
    problems.push(`YAML: ${document.errors.map((e) => e.message).join("; ")}`);
    continue;
  }

  const object = document.toJS();
  if (object === null || object === undefined) {
    continue;
  }

  const name = `${object.kind ?? "?"} ${object.metadata?.name ?? "?"} (${object.apiVersion ?? "?"})`;
  let kinds;
  try {
    kinds = await import(modulePath(object.apiVersion ?? ""));
  } catch {
    problems.push(`${name}: no schema for apiVersion ${object.apiVersion}`);
    continue;
  }

  const Model = kinds[object.kind];
  if (typeof Model !== "function") {
    problems.push(`${name}: no schema for kind ${object.kind}`);
    continue;
  }

  // kustomize folds long base64 values of a Secret over lines; the API server's decoder skips the
  // line breaks, the schema's "byte" format does not.
  if (object.kind === "Secret" && object.data) {
    for (const key of Object.keys(object.data)) {
      object.data[key] = String(object.data[key]).replace(/\s+/g, "");
    }
  }

  try {
    new Model(object).validate();
  } catch (error) {
    problems.push(`${name}: ${error.message}`);
    continue;
  }

  objects.push(object);
}

if (problems.length > 0) {
  for (const problem of problems) {
    console.error(problem);
  }

  process.exit(1);
}

process.stdout.write(JSON.stringify(objects));
