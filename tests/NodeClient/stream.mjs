// Streams one chat completion through the gateway with the npm openai package, changing nothing
// but the base URL, and prints what it read as JSON: the text, the finish reason, how many chunks.
// Usage: node stream.mjs <base-url> <bearer-token> <model> <prompt>
import OpenAI from "openai";

const [baseURL, apiKey, model, prompt] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0 });
const stream = await client.chat.completions.create({
  model,
  messages: [{ role: "user", content: prompt }],
  stream: true,
});

let text = "";
let finish = null;
let chunks = 0;
for await (const chunk of stream) {
  chunks++;
  text += chunk.choices[0]?.delta?.content ?? "";
  finish = chunk.choices[0]?.finish_reason ?? finish;
}

console.log(JSON.stringify({ text, finish, chunks }));
