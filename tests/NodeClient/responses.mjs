// Calls the gateway's Responses API with the npm openai package, changing nothing but the base
// URL, and prints what it read as JSON. Usage: node responses.mjs <base-url> <token> <model> <case>,
// where case is "create" (the output text and usage) or "stream" (the text, and the event types in order).
import OpenAI from "openai";

const [baseURL, apiKey, model, which] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0 });
let result;
if (which === "create") {
  const response = await client.responses.create({ model, input: "Say hello", instructions: "Be brief." });
  result = { text: response.output_text, usage: response.usage, status: response.status };
} else {
  const stream = await client.responses.create({ model, input: "Stream hello", stream: true });
  const types = [];
  let text = "";
  let usage = null;
  for await (const event of stream) {
    types.push(event.type);
    if (event.type === "response.output_text.delta") text += event.delta;
    if (event.type === "response.completed") usage = event.response.usage;
  }
  result = { text, types, usage };
}

console.log(JSON.stringify(result));
