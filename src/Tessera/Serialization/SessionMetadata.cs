namespace Tessera.Serialization;

/// <summary>
/// What Tessera keeps about a session beyond express-session's document, stored under the
/// reserved top-level key <c>_tessera</c> and written only when one of its fields is set, so a
/// session that uses none of these features is stored exactly as express-session stores it.
/// </summary>
internal sealed class SessionMetadata
{
    public const string Key = "_tessera";

    /// <summary>When the session was created; the start of its absolute timeout.</summary>
    public DateTimeOffset? Created { get; set; }

    /// <summary>For the old ID of a renewed session: the ID the session moved to.</summary>
    public string? RenewedTo { get; set; }

    /// <summary>For the old ID of a renewed session: until when requests with the old ID are led to the new one.</summary>
    public DateTimeOffset? FollowUntil { get; set; }

    /// <summary>
    /// For the old ID of a renewed session: the user the session belonged to when it was renewed.
    /// A request is led to the new ID only while the renewed session still has this user.
    /// </summary>
    public string? RenewedUser { get; set; }

    /// <summary>The signed-in user the session belongs to, for listing and destroying a user's sessions.</summary>
    public string? UserId { get; set; }

    /// <summary>The User-Agent of the request that created the session, when recorded.</summary>
    public string? UserAgent { get; set; }

    public bool IsEmpty => Created is null && RenewedTo is null && FollowUntil is null && RenewedUser is null && UserId is null && UserAgent is null;

    public SessionMetadata Clone() => (SessionMetadata)MemberwiseClone();
}
