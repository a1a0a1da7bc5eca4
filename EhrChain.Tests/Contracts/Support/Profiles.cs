using EhrChain.Core.Keys;
using EhrChain.Core.Wire;

namespace EhrChain.Tests.Contracts.Support;

/// <summary>Well-formed profiles for each role.</summary>
internal static class Profiles
{
    public static Profile For(KeyRole role, string name) => role switch
    {
        KeyRole.Doctor => new Profile
        {
            Name = name,
            Doctor = new DoctorProfile { LicenceNumber = "GMC-" + name, Specialty = "cardiology", Organisation = "St Mary's" },
        },
        KeyRole.Laboratory => new Profile
        {
            Name = name,
            Laboratory = new LaboratoryProfile { Organisation = "Central Labs", Accreditation = "ISO 15189" },
        },
        KeyRole.Pharmacist => new Profile
        {
            Name = name,
            Pharmacist = new PharmacistProfile { Organisation = "High Street Pharmacy", RegistrationNumber = "GPhC-" + name },
        },
        _ => new Profile { Name = name },
    };
}
