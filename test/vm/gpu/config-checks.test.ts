import { describe, expect, it } from 'vitest';
import { checkPassthroughConfig, normalizePassthroughConfig } from '../../../src/vm/gpu/config-checks.js';

const good = {
  boot: {
    kernelParams: ['intel_iommu=on', 'iommu=pt', 'vfio-pci.ids=10de:2204,10de:1aef'],
    initrd: { kernelModules: ['vfio_pci', 'vfio', 'vfio_iommu_type1'] },
    kernelModules: ['kvm-intel'],
    blacklistedKernelModules: ['nouveau'],
    extraModprobeConfig: '',
  },
  services: { xserver: { videoDrivers: ['modesetting'] } },
  hardware: { nvidia: {} },
};

const ids = (f: { id: string }[]) => f.map((x) => x.id);

describe('checkPassthroughConfig', () => {
  it('a correct passthrough config has no findings', () => {
    expect(checkPassthroughConfig(good, { deviceIds: ['10de:2204', '10de:1aef'], platform: 'intel' })).toEqual([]);
  });

  it('catches two vfio-pci.ids= parameters and gives the joined one', () => {
    const cfg = {
      ...good,
      boot: { ...good.boot, kernelParams: ['intel_iommu=on', 'iommu=pt', 'vfio-pci.ids=10de:2204', 'vfio-pci.ids=10de:1aef'] },
    };
    const f = checkPassthroughConfig(cfg, { deviceIds: ['10de:2204'] });
    expect(ids(f)).toEqual(['multiple-vfio-pci-ids']);
    expect(f[0]!.severity).toBe('error');
    expect(f[0]!.message).toContain('2 vfio-pci.ids= parameters (vfio-pci.ids=10de:2204, vfio-pci.ids=10de:1aef)');
    expect(f[0]!.fix).toBe('boot.kernelParams = [ "vfio-pci.ids=10de:2204,10de:1aef" ];  # one parameter, ids joined with commas; remove the others');
  });

  it('flags missing IOMMU params, late vfio_pci, nouveau and nvidia claiming the passed device', () => {
    const f = checkPassthroughConfig(
      {
        'boot.kernelParams': ['quiet', 'vfio-pci.ids=10de:2330'],
        'boot.initrd.kernelModules': [],
        'boot.kernelModules': ['vfio-pci'],
        'boot.blacklistedKernelModules': [],
        'services.xserver.videoDrivers': ['nvidia'],
        'hardware.nvidia.open': true,
        'boot.extraModprobeConfig': '',
      },
      { deviceIds: ['10de:2330'] },
    );
    expect(f.map((x) => [x.id, x.severity])).toEqual([
      ['iommu-param-missing', 'error'],
      ['iommu-pt-missing', 'warning'],
      ['vfio-pci-not-in-initrd', 'error'],
      ['nouveau-not-blacklisted', 'warning'],
      ['nvidia-driver-claims-passed-device', 'warning'],
    ]);
    expect(f[2]!.message).toBe(
      'vfio_pci is only in boot.kernelModules (loaded after the initrd): the host GPU driver can claim the device first.',
    );
    expect(f[2]!.fix).toBe('boot.initrd.kernelModules = [ "vfio_pci" "vfio" "vfio_iommu_type1" ];');
    expect(f[3]!.fix).toBe('boot.blacklistedKernelModules = [ "nouveau" ];');
  });

  it('a softdep on vfio-pci turns the nvidia finding into info', () => {
    const cfg = {
      ...good,
      boot: { ...good.boot, extraModprobeConfig: 'softdep nvidia pre: vfio-pci\n' },
      services: { xserver: { videoDrivers: ['nvidia'] } },
    };
    const f = checkPassthroughConfig(cfg, { deviceIds: ['10de:2204'] });
    expect(f.map((x) => [x.id, x.severity])).toEqual([['nvidia-driver-claims-passed-device', 'info']]);
  });

  it('a passed device missing from the ids, and no ids at all', () => {
    expect(ids(checkPassthroughConfig(good, { deviceIds: ['10de:2330'] }))).toEqual(['device-not-in-vfio-pci-ids']);
    const none = { ...good, boot: { ...good.boot, kernelParams: ['intel_iommu=on', 'iommu=pt'] } };
    const f = checkPassthroughConfig(none, { deviceIds: ['10de:2330'] });
    expect(ids(f)).toEqual(['no-vfio-pci-ids']);
    expect(f[0]!.fix).toBe('boot.kernelParams = [ "vfio-pci.ids=10de:2330" ];');
  });

  it('amd_iommu=on is required on an AMD platform', () => {
    const f = checkPassthroughConfig(good, { deviceIds: ['10de:2204'], platform: 'amd' });
    expect(ids(f)).toEqual(['iommu-param-missing']);
    expect(f[0]!.fix).toBe('boot.kernelParams = [ "amd_iommu=on" "iommu=pt" ];');
  });

  it('normalizes both input shapes to the same config', () => {
    const flat = normalizePassthroughConfig({
      'boot.kernelParams': ['a'],
      'boot.initrd.kernelModules': ['vfio_pci'],
      'services.xserver.videoDrivers': ['nvidia'],
      'hardware.nvidia.open': false,
    });
    const nested = normalizePassthroughConfig({
      boot: { kernelParams: ['a'], initrd: { kernelModules: ['vfio_pci'] } },
      services: { xserver: { videoDrivers: ['nvidia'] } },
      hardware: { nvidia: { open: false } },
    });
    expect(flat).toEqual(nested);
    expect(nested).toEqual({
      kernelParams: ['a'],
      initrdKernelModules: ['vfio_pci'],
      kernelModules: [],
      blacklistedKernelModules: [],
      videoDrivers: ['nvidia'],
      nvidia: { open: false },
      extraModprobeConfig: '',
    });
    expect(normalizePassthroughConfig(null).kernelParams).toEqual([]);
  });
});
