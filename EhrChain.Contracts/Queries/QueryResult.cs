using EhrChain.Core.Wire;

namespace EhrChain.Contracts.Queries;

/// <summary>An answer, or why there is none: access denied, not found or an invalid request, with a sentence for the reader.</summary>
public sealed record QueryResult<T>(ReadStatus Status, T? Value, string Reason) where T : class
{
    public bool IsOk => Status == ReadStatus.Ok;
}

/// <summary>Makes query results.</summary>
public static class QueryResult
{
    public static QueryResult<T> Ok<T>(T value) where T : class => new(ReadStatus.Ok, value, "");
    public static QueryResult<T> Denied<T>(string reason) where T : class => new(ReadStatus.AccessDenied, null, reason);
    public static QueryResult<T> NotFound<T>(string reason) where T : class => new(ReadStatus.NotFound, null, reason);
    public static QueryResult<T> Invalid<T>(string reason) where T : class => new(ReadStatus.InvalidRequest, null, reason);
}
