using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Tessera.StoreConformance;
using Tessera.Testing;

namespace Tessera.Tests.Guarantees;

/// <summary>The Microsoft session API tests on Microsoft.AspNetCore.Session itself, which shows the tests are right.</summary>
public sealed class MicrosoftSessionApiOnMicrosoftSessionTests : MicrosoftSessionApiTests
{
    protected override void AddSession(IServiceCollection services)
    {
        services.AddDistributedMemoryCache();
        services.AddSession();
    }

    protected override void UseSession(IApplicationBuilder app) => app.UseSession();
}
