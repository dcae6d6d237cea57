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
    public void A_silo_decodes_each_of_100000_users_to_one_string_batch_after_batch()
    {
        // The decoded activities live on in the trigger state: one string per user, not one per activity (a table of
        // 64K slots held at most 64 % of these users and missed ~80 % of a 100,000-user stream's lookups).
        const int users = 100_000;
        var batch = new Activity[users];
        for (var i = 0; i < users; i++)
        {
            batch[i] = new Activity("a" + i, DateTimeOffset.UnixEpoch.AddSeconds(i), "Op") { UserId = "user" + i + "@contoso.com" };
        }

        var first = ActivityBatchCodec.Decode(ActivityBatchCodec.Encode(batch));
        var second = ActivityBatchCodec.Decode(ActivityBatchCodec.Encode(batch));
        var shared = 0;
        for (var i = 0; i < users; i++)
        {
            Assert.Equal(batch[i].UserId, second[i].UserId);
            shared += ReferenceEquals(first[i].UserId, second[i].UserId) ? 1 : 0;
        }

        Assert.True(shared > users * 3 / 4, $"{shared} of {users} user ids decoded to the same string twice");
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
