/**
 * What each image family's tools look like: versions printed in headers, which tools the stock image lacks
 * (the collection script's fallbacks then run), and the files it ships. Versions are those of the images
 * Alibaba Cloud offers: Debian 12 (iproute2 6.1, iptables 1.8.9, nftables 1.0.6), Ubuntu 22.04 (iproute2
 * 5.15, iptables 1.8.7, nftables 1.0.2), Alibaba Cloud Linux 3 (iproute 5.18, iptables 1.8.4, nftables
 * 0.9.3), CentOS 7 (iproute 3.10 without -j, iptables 1.4.21 legacy, no nft, net-tools netstat).
 */
import type { GuestWorld } from '../world.js';

export interface Flavour {
  id: string;
  iptablesVersion: string;
  /** Backend iptables uses when the world does not say (iptables-nft on every current image). */
  nftVersion?: string;
  nftRelease?: string;
  /** What this image cannot do at all (CentOS 7's iproute has no -j, it ships no nft). */
  missing: string[];
  /** Packages a stock image leaves out (net-tools on Debian/Ubuntu); a world's `missingTools` replaces this list. */
  notInstalled: string[];
  /** `ip addr` line-one style: iproute 3.10 prints no `group default`. */
  oldIproute: boolean;
  osRelease: string;
  resolvTarget: string;
  libDir: string;
}

const FLAVOURS: Record<string, Flavour> = {
  debian12: {
    id: 'debian12',
    iptablesVersion: '1.8.9',
    nftVersion: '1.0.6',
    nftRelease: 'Lester Gooch #5',
    missing: [],
    notInstalled: ['netstat'],
    oldIproute: false,
    osRelease: `PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
SUPPORT_URL="https://www.debian.org/support"
BUG_REPORT_URL="https://bugs.debian.org/"`,
    resolvTarget: '/etc/resolv.conf',
    libDir: '/lib/x86_64-linux-gnu',
  },
  ubuntu22: {
    id: 'ubuntu22',
    iptablesVersion: '1.8.7',
    nftVersion: '1.0.2',
    nftRelease: 'Lester Gooch',
    missing: [],
    notInstalled: ['netstat'],
    oldIproute: false,
    osRelease: `PRETTY_NAME="Ubuntu 22.04.5 LTS"
NAME="Ubuntu"
VERSION_ID="22.04"
VERSION="22.04.5 LTS (Jammy Jellyfish)"
VERSION_CODENAME=jammy
ID=ubuntu
ID_LIKE=debian
HOME_URL="https://www.ubuntu.com/"
SUPPORT_URL="https://help.ubuntu.com/"
BUG_REPORT_URL="https://bugs.launchpad.net/ubuntu/"
PRIVACY_POLICY_URL="https://www.ubuntu.com/legal/terms-and-policies/privacy-policy"
UBUNTU_CODENAME=jammy`,
    resolvTarget: '/run/systemd/resolve/stub-resolv.conf',
    libDir: '/lib/x86_64-linux-gnu',
  },
  alinux3: {
    id: 'alinux3',
    iptablesVersion: '1.8.4',
    nftVersion: '0.9.3',
    nftRelease: 'Topsy',
    missing: [],
    notInstalled: [],
    oldIproute: false,
    osRelease: `NAME="Alibaba Cloud Linux"
VERSION="3 (OpenAnolis Edition)"
ID="alinux"
ID_LIKE="rhel fedora centos anolis"
VERSION_ID="3"
PLATFORM_ID="platform:al8"
PRETTY_NAME="Alibaba Cloud Linux 3 (OpenAnolis Edition)"
ANSI_COLOR="0;31"
HOME_URL="https://www.aliyun.com/"`,
    resolvTarget: '/etc/resolv.conf',
    libDir: '/lib64',
  },
  centos7: {
    id: 'centos7',
    iptablesVersion: '1.4.21',
    missing: ['ip-json', 'nft'],
    // CentOS 7 has both; the old ss is not rendered, so the sim takes the netstat path the script falls back to.
    notInstalled: ['ss'],
    oldIproute: true,
    osRelease: `NAME="CentOS Linux"
VERSION="7 (Core)"
ID="centos"
ID_LIKE="rhel fedora"
VERSION_ID="7"
PRETTY_NAME="CentOS Linux 7 (Core)"
ANSI_COLOR="0;31"
CPE_NAME="cpe:/o:centos:centos:7"
HOME_URL="https://www.centos.org/"
BUG_REPORT_URL="https://bugs.centos.org/"

CENTOS_MANTISBT_PROJECT="CentOS-7"
CENTOS_MANTISBT_PROJECT_VERSION="7"
REDHAT_SUPPORT_PRODUCT="centos"
REDHAT_SUPPORT_PRODUCT_VERSION="7"`,
    resolvTarget: '/etc/resolv.conf',
    libDir: '/lib64',
  },
};

export function flavourOf(g: GuestWorld): Flavour {
  return FLAVOURS[g.os] ?? FLAVOURS.alinux3;
}

/** True when the tool is absent on this guest: the image's own gaps, plus the world's list (or the image's usual one). */
export function lacks(g: GuestWorld, tool: string): boolean {
  const f = flavourOf(g);
  if (f.missing.includes(tool)) return true;
  return (g.missingTools ?? f.notInstalled).includes(tool);
}

/** The iptables backend as `iptables -V` names it. */
export function iptablesVariant(g: GuestWorld): 'legacy' | 'nf_tables' {
  if (g.firewall.backend === 'iptables-legacy') return 'legacy';
  if (flavourOf(g).id === 'centos7') return 'legacy';
  return 'nf_tables';
}
