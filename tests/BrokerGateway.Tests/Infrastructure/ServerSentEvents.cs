namespace BrokerGateway.Tests.Infrastructure;

/// <summary>A streamed answer as a client reads it: the data of each event in order, the comments, and whether it ended with <c>[DONE]</c>.</summary>
public sealed record ServerSentEvents(IReadOnlyList<string> Data, IReadOnlyList<string> Comments, bool Done)
{
    /// <summary>The events before <c>[DONE]</c>.</summary>
    public IReadOnlyList<string> Events => Done ? Data.Take(Data.Count - 1).ToList() : Data;

    public static async Task<ServerSentEvents> ReadAsync(HttpResponseMessage response) =>
        Parse(await response.Content.ReadAsStringAsync());

    public static ServerSentEvents Parse(string text)
    {
        var data = new List<string>();
        var comments = new List<string>();
        var current = new List<string>();
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0)
            {
                if (current.Count > 0)
                {
                    data.Add(string.Join("\n", current));
                    current.Clear();
                }
            }
            else if (line.StartsWith(':'))
            {
                comments.Add(line[1..].Trim());
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                current.Add(line["data: ".Length..]);
            }
        }

        return new ServerSentEvents(data, comments, data.Count > 0 && data[^1] == "[DONE]");
    }
}
