/**
 * Azure region facts the Azure target needs (pure data): the region pairs Azure itself publishes (geo-redundant
 * backups and storage replicate to the pair, so the DR location defaults to it). A region not listed needs
 * `loom:azure.drLocation`.
 */

/** An Azure location name as ARM writes it: westeurope, northeurope, eastus2, swedencentral. */
export const AZURE_LOCATION = /^[a-z]+[a-z0-9]*$/;

export const AZURE_PAIRS: Readonly<Record<string, string>> = {
  westeurope: "northeurope",
  northeurope: "westeurope",
  germanywestcentral: "germanynorth",
  francecentral: "francesouth",
  uksouth: "ukwest",
  ukwest: "uksouth",
  swedencentral: "swedensouth",
  switzerlandnorth: "switzerlandwest",
  norwayeast: "norwaywest",
  eastus: "westus",
  westus: "eastus",
  eastus2: "centralus",
  centralus: "eastus2",
  westus2: "westcentralus",
  westus3: "eastus",
  canadacentral: "canadaeast",
  canadaeast: "canadacentral",
  brazilsouth: "southcentralus",
  southcentralus: "northcentralus",
  northcentralus: "southcentralus",
  japaneast: "japanwest",
  japanwest: "japaneast",
  australiaeast: "australiasoutheast",
  australiasoutheast: "australiaeast",
  southeastasia: "eastasia",
  eastasia: "southeastasia",
  centralindia: "southindia",
  koreacentral: "koreasouth",
};
