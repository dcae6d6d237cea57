using System.Net;

namespace AlertEngine.Orleans.Tests;

public class ActivityBatchCodecTests
{
    [Fact]
    public void A_batch_round_trips_with_every_field()
    {
        var time = new DateTimeOffset(2026, 3, 2, 10, 0, 0, TimeSpan.FromHours(2));
        Activity[] batch =
        [
            new("a1", time, "FileDeleted")
            {
                UserId = "alice@contoso.com",
                ClientIp = IPAddress.Parse("2001:db8::1"),
                ObjectId = "/sites/x/doc.docx",
                Workload = "SharePoint",
                UserTags = ["Priority", "Finance"],
                Properties = new Dictionary<string, string> { ["Bytes"] = "1200", ["b"] = "x" },
            },
            new("a2", time.AddSeconds(1), "MailRedirect"),
        ];

        var decoded = ActivityBatchCodec.Decode(ActivityBatchCodec.Encode(batch));

        Assert.Equal(2, decoded.Length);
        ActivityBatchCodecProperties.AssertEqual(batch, decoded);
    }

    [Fact]
    public void An_empty_batch_round_trips() => Assert.Empty(ActivityBatchCodec.Decode(ActivityBatchCodec.Encode([])));

    [Fact]
    public void Bytes_that_are_not_a_batch_are_invalid_data()
    {
        var bytes = ActivityBatchCodec.Encode([new Activity("a", DateTimeOffset.UnixEpoch, "Op")]);
        Assert.Throws<InvalidDataException>(() => ActivityBatchCodec.Decode(bytes.AsMemory(0, bytes.Length - 1)));
        bytes[0] = 99;
        Assert.Throws<InvalidDataException>(() => ActivityBatchCodec.Decode(bytes));
    }
}
