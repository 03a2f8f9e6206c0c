namespace BrokerGateway.Contracts.Manifest;

/// <summary>How an entry serves OpenAI's Responses API (the manifest's <c>responses</c>).</summary>
public enum ResponsesMode
{
    /// <summary>Passed through: the upstream has <c>/responses</c> of its own (the default for openai and azure).</summary>
    Native,

    /// <summary>Converted to the entry's chat dialect and back, statelessly (the default for anthropic).</summary>
    Translate,
}
