namespace EhrChain.Tests.Support;

/// <summary>The source tree the tests were built from, for tests that check its layout.</summary>
public static class RepositoryFiles
{
    public static string Root()
    {
        var directory = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "EhrChain.sln")))
        {
            directory = directory.Parent;
        }
        Assert.That(directory, Is.Not.Null, "the repository root");
        return directory!.FullName;
    }
}
