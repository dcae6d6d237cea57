using static AlertEngine.StoreContracts.StoreContractData;

namespace AlertEngine.Tests.Alerts;

/// <summary><see cref="AlertQuery.Matches"/> on its own, without a store (the store contract checks every store's
/// answers against it).</summary>
public class AlertQueryTests
{
    [Fact]
    public void A_tag_filter_does_not_match_an_alert_whose_tags_are_a_default_array()
    {
        var bare = MakeAlert("a") with { Tags = default };

        Assert.False(new AlertQuery { Tags = ["vip"] }.Matches(bare));
        Assert.True(AlertQuery.All.Matches(bare));
    }
}
