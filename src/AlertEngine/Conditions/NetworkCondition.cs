using System.Net;

namespace AlertEngine;

/// <summary>
/// A field or property (named as by <see cref="PropertyCondition"/>: top-level field, key of the properties, or dotted
/// path) holds an IP address that lies in one of the networks: the condition holds when any value reached is the text
/// of an IPv4 or IPv6 address (<see cref="IpAddressText.TryParse"/>: no port, no brackets) inside a network, as
/// <see cref="IpAddressesCondition"/> decides it (IPv4-mapped IPv6 as IPv4). On <c>clientIp</c> it is exactly an
/// <see cref="IpAddressesCondition"/>. Not part of the JSON policy format: it exists for Sigma's <c>cidr</c> modifier
/// on any field, so it is internal.
/// </summary>
/// <param name="Property">The field or property name.</param>
/// <param name="Ranges">The networks.</param>
internal sealed record NetworkCondition(string Property, IReadOnlyList<IPNetwork> Ranges) : Condition;
