using BrokerGateway.Ingress.Files;

namespace BrokerGateway.Tests.Ingress.Files;

public sealed class FileUploadSafeNameTests
{
    [Fact]
    public void ADirectionOverride_AndLineSeparators_AreDropped()
    {
        // "invoice\u202Elsonj.exe" shows as "invoiceexe.jsonl" in a listing.
        Assert.Equal("invoicelsonj.exe", FileUpload.SafeName("invoice\u202Elsonj.exe"));
        Assert.Equal("ab.jsonl", FileUpload.SafeName("a\u2028b\u2029.jsonl"));
    }

    [Fact]
    public void ALongName_IsCutBetweenCharacters_NeverInsideASurrogatePair()
    {
        // 254 letters, then a character outside the BMP (two UTF-16 units) across the 255 limit.
        var name = new string('a', 254) + "\U0001F600" + "b.jsonl";

        var safe = FileUpload.SafeName(name);

        Assert.Equal(new string('a', 254), safe);
        Assert.DoesNotContain(safe, char.IsSurrogate);
    }

    [Fact]
    public void ANameOfNothingButInvisibleCharacters_GetsADefault()
    {
        Assert.Equal("upload.jsonl", FileUpload.SafeName("\u202E\u0000\r\n"));
    }
}
