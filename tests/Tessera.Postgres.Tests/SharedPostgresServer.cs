using Tessera.TestServers;

namespace Tessera.Postgres.Tests;

/// <summary>The test classes that share the test run's one PostgreSQL server, each on tables or a database of its own.</summary>
[CollectionDefinition(Name)]
public sealed class SharedPostgresServer : ICollectionFixture<PostgresServer>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "PostgreSQL";
}
