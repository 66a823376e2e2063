namespace Tessera;

/// <summary>
/// The SQL of the <see cref="PostgresStore"/> for one table, in connect-pg-simple's layout:
/// <c>sid varchar</c> primary key, <c>sess json</c> (express-session's document, stored as text
/// exactly as written) and <c>expire timestamp(6)</c>.
/// </summary>
/// <remarks>
/// <para>
/// Times travel as milliseconds since the Unix epoch and are turned into <c>expire</c> values by
/// <c>to_timestamp</c> on the server, as connect-pg-simple does: <c>expire</c> is a
/// <c>timestamp without time zone</c>, so both sides must convert through the session's
/// <c>TimeZone</c> the same way. Reads give <c>expire</c> back as epoch milliseconds through the
/// same conversion. A row is live while <c>expire</c> is after now.
/// </para>
/// <para>
/// A session's version, for conditional writes, is its stored document: <c>sess::text</c>, which
/// for a <c>json</c> column is the text as written. Every write of a different document (from
/// Tessera or from connect-pg-simple) changes it; a touch, which moves only <c>expire</c>, does not.
/// </para>
/// <para>
/// The user index is a side table, <c>{table}_tessera_user</c> (<c>sid</c> primary key,
/// <c>user_id</c> indexed), whose <c>sid</c> references the session's row with
/// <c>ON DELETE CASCADE</c>: Tessera's writes keep it in the same statement as the row, and a
/// row deleted by anyone (connect-pg-simple's <c>destroy</c> and prune included) takes its entry
/// with it. connect-pg-simple never reads it, and its statements on the session table are
/// unchanged. No SQL parses the stored documents, so no document can make a write fail.
/// </para>
/// </remarks>
internal sealed class PostgresStatements
{
    // Parameters: $1 sid, $2 the document, $3 expiry (epoch ms), $4 expected document, $5 now (epoch ms).
    private const string Live = "expire > to_timestamp($5::float8 / 1000)";
    private const string ExpireMilliseconds = "(extract(epoch from expire::timestamptz) * 1000)::int8";

    public PostgresStatements(string tableName, string? schemaName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tableName);
        QualifiedName = schemaName is null ? Quote(tableName) : Quote(schemaName) + "." + Quote(tableName);
        var primaryKey = Quote(tableName + "_pkey");
        var expireIndex = Quote("IDX_" + tableName + "_expire");
        var userTable = Quote(tableName + "_tessera_user");
        var userIndex = Quote("IDX_" + tableName + "_tessera_user");
        var userPrimaryKey = Quote(tableName + "_tessera_user_pkey");
        var userForeignKey = Quote(tableName + "_tessera_user_sid_fkey");
        UserTable = schemaName is null ? userTable : Quote(schemaName) + "." + userTable;
        var t = QualifiedName;
        var u = UserTable;
        var upsert = $"INSERT INTO {t} (sid, sess, expire) VALUES ($1, $2::json, to_timestamp($3::float8 / 1000)) ON CONFLICT (sid) DO UPDATE SET sess = excluded.sess, expire = excluded.expire RETURNING sid";
        var replace = $"UPDATE {t} SET sess = $2::json, expire = to_timestamp($3::float8 / 1000) WHERE sid = $1 AND sess::text = $4 AND {Live} RETURNING sid";

        Get = $"SELECT sess::text, {ExpireMilliseconds} FROM {t} WHERE sid = $1 AND expire > to_timestamp($2::float8 / 1000)";
        Set = $"WITH w AS ({upsert}), i AS ({IndexUser(u, "$4")}) SELECT count(*) FROM w";
        SetWithoutUser = $"WITH w AS ({upsert}), d AS ({UnindexUser(u)}) SELECT count(*) FROM w";
        TrySet = $"WITH w AS ({replace}), i AS ({IndexUser(u, "$6")}) SELECT count(*) FROM w";
        TrySetWithoutUser = $"WITH w AS ({replace}), d AS ({UnindexUser(u)}) SELECT count(*) FROM w";
        Destroy = $"DELETE FROM {t} WHERE sid = $1";
        Touch = $"UPDATE {t} SET expire = to_timestamp($2::float8 / 1000) WHERE sid = $1 AND expire > to_timestamp($3::float8 / 1000)";
        All = $"SELECT sid, sess::text, {ExpireMilliseconds} FROM {t} WHERE expire > to_timestamp($1::float8 / 1000)";
        Count = $"SELECT count(*) FROM {t} WHERE expire > to_timestamp($1::float8 / 1000)";
        Clear = $"DELETE FROM {t}";
        UserSessions = $"SELECT s.sid, s.sess::text, {ExpireMilliseconds} FROM {u} u JOIN {t} s ON s.sid = u.sid WHERE u.user_id = $1 AND s.expire > to_timestamp($2::float8 / 1000)";
        Purge = $"DELETE FROM {t} WHERE expire <= to_timestamp($1::float8 / 1000)";
        Exists = "SELECT to_regclass($1) IS NOT NULL";
        Columns = "SELECT count(*) FROM pg_attribute WHERE attrelid = to_regclass($1) AND attname IN ('sid', 'sess', 'expire') AND NOT attisdropped";

        // connect-pg-simple's table.sql, made idempotent, plus the user index. The caller runs it
        // in one transaction after Lock, so that processes starting together do not race. On a
        // table that exists, only the user index is created.
        Lock = "SELECT pg_advisory_xact_lock(hashtext('tessera:' || $1))";
        Create = $"""
            CREATE TABLE IF NOT EXISTS {t} (
              "sid" varchar NOT NULL COLLATE "default",
              "sess" json NOT NULL,
              "expire" timestamp(6) NOT NULL,
              CONSTRAINT {primaryKey} PRIMARY KEY ("sid") NOT DEFERRABLE INITIALLY IMMEDIATE
            );
            CREATE INDEX IF NOT EXISTS {expireIndex} ON {t} ("expire");
            """;
        CreateUserIndex = $"""
            CREATE TABLE IF NOT EXISTS {u} (
              "sid" varchar NOT NULL COLLATE "default",
              "user_id" text NOT NULL,
              CONSTRAINT {userPrimaryKey} PRIMARY KEY ("sid"),
              CONSTRAINT {userForeignKey} FOREIGN KEY ("sid") REFERENCES {t} ("sid") ON DELETE CASCADE
            );
            CREATE INDEX IF NOT EXISTS {userIndex} ON {u} ("user_id");
            """;
    }

    /// <summary>The table's name as SQL: quoted, with its schema when one is set.</summary>
    public string QualifiedName { get; }

    /// <summary>$1 sid, $2 now → the document and its expiry, when live.</summary>
    public string Get { get; }

    /// <summary>The user index's table as SQL.</summary>
    public string UserTable { get; }

    /// <summary>$1 sid, $2 document, $3 expiry, $4 user: insert or replace (connect-pg-simple's <c>set</c>) and index the user → 1.</summary>
    public string Set { get; }

    /// <summary>$1 sid, $2 document, $3 expiry: insert or replace (connect-pg-simple's <c>set</c>), no user indexed → 1.</summary>
    public string SetWithoutUser { get; }

    /// <summary>$1 sid, $2 document, $3 expiry, $4 expected document, $5 now, $6 user: replace a live row still holding the expected document → 1 when replaced.</summary>
    public string TrySet { get; }

    /// <summary>$1 sid, $2 document, $3 expiry, $4 expected document, $5 now: as <see cref="TrySet"/>, no user indexed.</summary>
    public string TrySetWithoutUser { get; }

    /// <summary>$1 sid.</summary>
    public string Destroy { get; }

    /// <summary>$1 sid, $2 expiry, $3 now: move a live row's expiry only.</summary>
    public string Touch { get; }

    /// <summary>$1 now → sid, document and expiry of every live row.</summary>
    public string All { get; }

    /// <summary>$1 now → the number of live rows.</summary>
    public string Count { get; }

    /// <summary>Deletes every row.</summary>
    public string Clear { get; }

    /// <summary>$1 user, $2 now → sid, document and expiry of the user's live rows, through the user index.</summary>
    public string UserSessions { get; }

    /// <summary>$1 now: deletes the expired rows.</summary>
    public string Purge { get; }

    /// <summary>$1 the qualified name → whether the table exists.</summary>
    public string Exists { get; }

    /// <summary>$1 the qualified name → how many of <c>sid</c>, <c>sess</c> and <c>expire</c> the table has.</summary>
    public string Columns { get; }

    /// <summary>$1 the qualified name: takes the transaction's lock on creating the table.</summary>
    public string Lock { get; }

    /// <summary>Creates connect-pg-simple's table and its expiry index when missing (no parameters).</summary>
    public string Create { get; }

    /// <summary>Creates the user index's table when missing (no parameters).</summary>
    public string CreateUserIndex { get; }

    // The row written (w) now belongs to the user ($n).
    private static string IndexUser(string userTable, string user) =>
        $"INSERT INTO {userTable} (sid, user_id) SELECT sid, {user} FROM w ON CONFLICT (sid) DO UPDATE SET user_id = excluded.user_id";

    // The row written (w) belongs to no user.
    private static string UnindexUser(string userTable) => $"DELETE FROM {userTable} WHERE sid IN (SELECT sid FROM w)";

    /// <summary>Quotes an identifier as connect-pg-simple does: in double quotes, with double quotes doubled.</summary>
    internal static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
