using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Tessera.StoreConformance;
using Tessera.Testing;

namespace Tessera.Tests.Guarantees;

/// <summary>The Microsoft session API tests, unchanged, on Tessera with the memory store.</summary>
public sealed class MicrosoftSessionApiOnMemoryStoreTests : MicrosoftSessionApiTests
{
    protected override void AddSession(IServiceCollection services) =>
        services.AddTessera(o => o.Secrets = ["keyboard cat"]);

    protected override void UseSession(IApplicationBuilder app) => app.UseTessera();
}
