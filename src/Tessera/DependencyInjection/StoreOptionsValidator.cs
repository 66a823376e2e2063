using Microsoft.Extensions.Options;

namespace Tessera.DependencyInjection;

/// <summary>
/// Validates a store's options at start-up with the checks its constructor makes, so that the
/// rules live in one place: an invalid option stops the application from starting with a message
/// naming the store's options and the option at fault.
/// </summary>
internal sealed class StoreOptionsValidator<TOptions>(Action<TOptions> check) : IValidateOptions<TOptions>
    where TOptions : class
{
    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        try
        {
            check(options);
            return ValidateOptionsResult.Success;
        }
        catch (ArgumentException ex)
        {
            return ValidateOptionsResult.Fail($"{typeof(TOptions).Name} is invalid: {ex.Message}");
        }
    }
}
