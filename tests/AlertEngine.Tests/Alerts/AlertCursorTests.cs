using static AlertEngine.StoreContracts.StoreContractData;

namespace AlertEngine.Tests.Alerts;

public class AlertCursorTests
{
    [Theory]
    [InlineData("p", "p:a1")]
    [InlineData("policy:with:colons", "id with spaces/and+slashes")]
    [InlineData("", "")]
    [InlineData("ünïcödé", "日本")]
    public void A_token_reads_back_as_the_same_position(string policy, string id)
    {
        var cursor = AlertCursor.From(MakeAlert(id, policy, seconds: 42));
        var token = cursor.ToString();

        Assert.DoesNotContain('+', token);
        Assert.DoesNotContain('/', token);
        Assert.DoesNotContain('=', token);
        Assert.True(AlertCursor.TryParse(token, out var parsed));
        Assert.Equal(cursor, parsed);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not base64 !")]
    [InlineData("YWJj")] // "abc": no separators
    [InlineData("MTo5OTpw")] // "1:99:p": policy length beyond the text
    [InlineData("LTE6MTpwYQ")] // "-1:1:pa": negative ticks
    public void Malformed_tokens_are_rejected(string? token)
    {
        Assert.False(AlertCursor.TryParse(token, out var cursor));
        Assert.Null(cursor);
    }

    [Fact]
    public void Compare_follows_the_alert_order()
    {
        var a = MakeAlert("a", "p", seconds: 1);
        var b = MakeAlert("b", "p", seconds: 1);
        var c = MakeAlert("a", "q", seconds: 0);

        Assert.Equal(0, AlertCursor.From(a).CompareTo(a));
        Assert.True(AlertCursor.From(a).CompareTo(b) < 0);
        Assert.True(AlertCursor.From(a).CompareTo(c) > 0);
    }
}
