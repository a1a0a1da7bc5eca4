using System.Globalization;
using System.Text;

namespace EhrChain.Client;

/// <summary>
/// The associated data of a prescription's copy for a pharmacist. Binding record, entry index and
/// pharmacist means a copy moved to another prescription or handed to another pharmacist does not
/// decrypt. <c>"ehrchain/v1/prescription\0" record "\0" index "\0" pharmacist</c>.
/// </summary>
public static class PrescriptionBinding
{
    public static byte[] AssociatedData(string recordId, uint entryIndex, string pharmacistId) =>
        Encoding.UTF8.GetBytes(string.Create(
            CultureInfo.InvariantCulture,
            $"ehrchain/v1/prescription\0{recordId}\0{entryIndex}\0{pharmacistId}"));
}
