// Calls the gateway's Messages API with the npm @anthropic-ai/sdk package, changing nothing but
// the base URL (the SDK sends the gateway's token as x-api-key), and prints what it read as JSON.
// Usage: node messages.mjs <base-url> <token> <model> <case>, where case is one of
//   create  — one message; prints the text, stop reason and usage
//   stream  — the same streamed; prints the text, the event types in order and the final usage
//   tools   — a tool call, its result sent back, and the answer; prints both turns
//   count   — count_tokens; prints the count
//   error   — a request without max_tokens; prints the error's status and type
import Anthropic from "@anthropic-ai/sdk";

const [baseURL, apiKey, model, which] = process.argv.slice(2);
const client = new Anthropic({ baseURL, apiKey, maxRetries: 0 });
const weather = {
  name: "get_weather",
  description: "The weather in a city",
  input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
};

const text = (message) => message.content.filter((b) => b.type === "text").map((b) => b.text).join("");
let result;
switch (which) {
  case "create": {
    const message = await client.messages.create({
      model, max_tokens: 64, system: "You are terse.",
      messages: [{ role: "user", content: "Hello there" }],
    });
    result = { text: text(message), stop: message.stop_reason, usage: message.usage, role: message.role, type: message.type };
    break;
  }
  case "stream": {
    const types = [];
    const stream = client.messages.stream({ model, max_tokens: 64, messages: [{ role: "user", content: "Stream please" }] });
    for await (const event of stream) {
      types.push(event.type);
    }
    const message = await stream.finalMessage();
    result = { text: text(message), stop: message.stop_reason, usage: message.usage, types };
    break;
  }
  case "tools": {
    const messages = [{ role: "user", content: "What is the weather in Paris?" }];
    const first = await client.messages.create({ model, max_tokens: 64, tools: [weather], tool_choice: { type: "any" }, messages });
    const call = first.content.find((b) => b.type === "tool_use");
    messages.push({ role: "assistant", content: first.content });
    messages.push({ role: "user", content: [{ type: "tool_result", tool_use_id: call.id, content: "18 degrees and sunny" }] });
    const second = await client.messages.create({ model, max_tokens: 64, tools: [weather], messages });
    result = { stop: first.stop_reason, call: { id: call.id, name: call.name, input: call.input }, answer: text(second) };
    break;
  }
  case "count": {
    const count = await client.messages.countTokens({ model, messages: [{ role: "user", content: "How many tokens is this?" }] });
    result = { input_tokens: count.input_tokens };
    break;
  }
  case "error": {
    try {
      await client.messages.create({ model, messages: [{ role: "user", content: "Hi" }] });
      result = { status: 200 };
    } catch (error) {
      result = { status: error.status, type: error.error?.error?.type, message: error.error?.error?.message };
    }
    break;
  }
  default:
    throw new Error(`unknown case ${which}`);
}

console.log(JSON.stringify(result));
