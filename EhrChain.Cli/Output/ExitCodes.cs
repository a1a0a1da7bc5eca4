namespace EhrChain.Cli.Output;

/// <summary>Exit codes scripts can branch on.</summary>
public static class ExitCodes
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int Usage = 2;

    /// <summary>The node answered and refused: access denied, rejected transaction, not found.</summary>
    public const int Refused = 3;

    /// <summary>The node could not be reached or did not answer in time.</summary>
    public const int Unavailable = 4;

    /// <summary>`ehrchain verify` found a bad block.</summary>
    public const int ChainInvalid = 5;

    /// <summary>`query tx` got a receipt that does not prove itself against the genesis file.</summary>
    public const int BadProof = 5;
}
