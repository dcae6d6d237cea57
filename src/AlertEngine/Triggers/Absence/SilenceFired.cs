namespace AlertEngine;

/// <summary>A silence that fired: a key's last input was followed by no other for the whole window.</summary>
/// <typeparam name="TItem">The item type.</typeparam>
/// <param name="Key">The key, as given with its last input.</param>
/// <param name="LastTime">The time of the key's last input.</param>
/// <param name="Due">When the silence fired: <paramref name="LastTime"/> + window.</param>
/// <param name="Item">The key's last input.</param>
public readonly record struct SilenceFired<TItem>(string Key, DateTimeOffset LastTime, DateTimeOffset Due, TItem Item);
