using EhrChain.Client.Session;
using EhrChain.Core.Keys;
using EhrChain.Core.Wire;

namespace EhrChain.Tests.Support;

/// <summary>Load for tests on real nodes: the Admin enrols patients one by one and waits for each block.</summary>
internal static class PatientEnrolments
{
    /// <summary>Enrols patients pat-<paramref name="from"/> .. pat-(<paramref name="to"/> - 1); returns the height of the last one's block.</summary>
    public static async Task<ulong> SubmitAsync(LedgerSession admin, int from, int to)
    {
        ulong height = 0;
        for (var i = from; i < to; i++)
        {
            var patient = KeyFile.Generate($"pat-{i}", KeyRole.Patient);
            var response = await admin.SubmitAsync(admin.Client.AddParticipant(patient, new Profile { Name = $"Patient {i}" }), wait: true, CancellationToken.None);
            height = response.Receipt.Height;
        }
        return height;
    }
}
