using System.Text.Json;
using InferenceScaling.Runtime;

namespace InferenceScaling.Cli.Commands;

/// <summary>Turns the errors a user can cause (bad model folder, bad option value, bad input file) into one clear line and exit code 2.</summary>
internal static class CommandErrors
{
    public static async Task<int> Guard(Func<Task<int>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (ModelLoadException ex) { return Fail(ex.Message); }
        catch (FormatException ex) { return Fail(ex.Message); }
        catch (ArgumentException ex) { return Fail(ex.Message); }
        catch (JsonException ex) { return Fail(ex.Message); }
        catch (FileNotFoundException ex) { return Fail(ex.Message); }
        catch (DirectoryNotFoundException ex) { return Fail(ex.Message); }
        catch (InvalidDataException ex) { return Fail(ex.Message); }
        catch (NotSupportedException ex) { return Fail(ex.Message); }
        catch (Remote.RemoteBackendException ex) { return Fail(ex.Message); }
        catch (OperationCanceledException) { return Fail("cancelled"); }
    }

    public static int Fail(string message)
    {
        Console.Error.WriteLine("error: " + message);
        return 2;
    }
}
