namespace Parley.Client;

/// <summary>What a query does with one incoming message.</summary>
public enum QueryStep
{
    /// <summary>Not this query's: it goes on as an event.</summary>
    Skip,

    /// <summary>One of the replies.</summary>
    Take,

    /// <summary>The last reply.</summary>
    TakeAndEnd,
}
